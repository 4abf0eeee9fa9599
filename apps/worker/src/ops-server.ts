import http from 'node:http';
import type { Registry } from 'prom-client';
import { LIVENESS_BODY, type Readiness } from '@prefs/observability';

export interface OpsServerOptions {
  readiness: () => Promise<Readiness>;
  registry: Registry;
}

export interface OpsServer {
  /** Resolves with the URL it listens on (port 0 picks a free one). */
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * A worker's own small HTTP server for operators (WORKER_PORT): `/healthz`, `/readyz` and `/metrics`,
 * with the same answers as the API's. Plain node:http: a worker serves nothing else.
 */
export function createOpsServer(options: OpsServerOptions): OpsServer {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendJson(res, 405, { code: 'method_not_allowed', message: 'Only GET is served here', status: 405, type: 'invalid_request_error' });
    }
    const answer = async () => {
      switch (path) {
        case '/healthz':
          return sendJson(res, 200, LIVENESS_BODY);
        case '/readyz': {
          const readiness = await options.readiness();
          return sendJson(res, readiness.httpStatus, readiness.body);
        }
        case '/metrics': {
          const text = await options.registry.metrics();
          res.writeHead(200, { 'Content-Type': options.registry.contentType });
          return res.end(text);
        }
        default:
          return sendJson(res, 404, { code: 'resource_missing', message: 'No such endpoint', status: 404, type: 'invalid_request_error' });
      }
    };
    answer().catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      sendJson(res, 500, { code: 'internal_error', message: String((error as Error)?.message ?? error), status: 500, type: 'api_error' });
    });
  });
  // Scrapes and probes come every few seconds on a keep-alive connection; that must not delay close().
  server.keepAliveTimeout = 5_000;

  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          const boundPort = typeof address === 'object' && address ? address.port : port;
          resolve(`http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${boundPort}`);
        });
      });
    },
    close() {
      if (!server.listening) return Promise.resolve();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
