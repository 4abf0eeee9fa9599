import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { webhookAddressRefusal } from '@prefs/core';

/**
 * One POST of a webhook, and nothing more: no redirect followed (a 3xx is a failed attempt), the
 * addresses the host resolves to judged before connecting (the connection goes to the address judged, so
 * a name cannot resolve once to a public address and then to a private one), and an answer in time or a
 * failure. The answer's body is read and dropped, at most 64 KB of it.
 */

export interface SendResult {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

const ANSWER_BYTES_READ = 64 * 1024;

class RefusedAddress extends Error {
  override readonly name = 'RefusedAddress';
}

/** A lookup that refuses the addresses webhooks may not reach. */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refusal = addresses.map((entry) => webhookAddressRefusal(entry.address, allowPrivate)).find((why) => why !== null);
      if (refusal || addresses.length === 0) return callback(new RefusedAddress(refusal ?? `${hostname} has no address`), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

export interface Sender {
  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult>;
  close(): void;
}

export function createSender(options: { allowPrivate: boolean; timeoutMs: number }): Sender {
  const lookup = guardedLookup(options.allowPrivate);
  // Kept-alive connections: a busy endpoint is not paid a TCP (and TLS) handshake per delivery.
  const agents = { http: new http.Agent({ keepAlive: true, lookup }), https: new https.Agent({ keepAlive: true, lookup }) };

  function send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = Date.now();
    const done = (statusCode: number | null, error: string | null): SendResult => ({ statusCode, durationMs: Date.now() - started, error });
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return Promise.resolve(done(null, 'invalid url'));
    }
    // A literal address is never looked up: judge it here.
    const literal = target.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(literal) !== 0) {
      const refusal = webhookAddressRefusal(literal, options.allowPrivate);
      if (refusal) return Promise.resolve(done(null, `refused: ${refusal}`));
    }
    const secure = target.protocol === 'https:';
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const request = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          agent: secure ? agents.https : agents.http,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'prefs-webhooks/1' },
        },
        (response) => {
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > ANSWER_BYTES_READ) response.destroy();
          });
          const statusCode = response.statusCode ?? null;
          response.on('end', () => finish(done(statusCode, null)));
          response.on('close', () => finish(done(statusCode, null)));
          response.on('error', () => finish(done(statusCode, null)));
        },
      );
      const timer = setTimeout(() => {
        request.destroy();
        finish(done(null, `no answer within ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      request.on('error', (error: Error) => finish(done(null, error instanceof RefusedAddress ? `refused: ${error.message}` : error.message || (error as NodeJS.ErrnoException).code || error.name)));
      request.end(body);
    });
  }

  return {
    send,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
