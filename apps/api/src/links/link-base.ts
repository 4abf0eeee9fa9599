import type { Request } from 'express';

/**
 * The base of the links the API hands out: PUBLIC_URL; without it, the request's Host header only when it
 * is an allowed host (ALLOWED_HOSTS, or the address the API listens on), else the first allowed host.
 * The header's own text never reaches a link otherwise: a forged Host cannot point emails elsewhere.
 */
export interface LinkBaseOptions {
  publicUrl: string | null;
  allowedHosts: string[] | null;
  /** The address the API listens on (HOST), for the default allowed hosts. */
  listenHost: string;
}

const EVERY_ADDRESS = new Set(['0.0.0.0', '::', '']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost']);

/** The Host headers that name the address the API listens on, at the port this request came in on. */
export function listeningHosts(listenHost: string, port: number): string[] {
  const host = listenHost.toLowerCase();
  if (EVERY_ADDRESS.has(host) || LOOPBACK.has(host)) return [`localhost:${port}`, `127.0.0.1:${port}`];
  if (host === '::1') return [`[::1]:${port}`, `localhost:${port}`];
  return [`${host.includes(':') ? `[${host}]` : host}:${port}`];
}

export function createLinkBase(options: LinkBaseOptions): (req: Request) => string {
  const { publicUrl, allowedHosts, listenHost } = options;
  return (req) => {
    if (publicUrl !== null) return publicUrl;
    // The socket's port is the one the API listens on, also when it was started on port 0.
    const hosts = allowedHosts ?? listeningHosts(listenHost, req.socket.localPort ?? 0);
    const header = req.get('host')?.toLowerCase();
    const host = header !== undefined && hosts.includes(header) ? header : hosts[0];
    return `${req.protocol === 'https' ? 'https' : 'http'}://${host}`;
  };
}
