import http from 'node:http';
import type { Express } from 'express';
import { readApiConfig, type ApiConfig } from '@prefs/config';
import { createDatabase, ensureSecretKey, type Database } from '@prefs/db';
import { createLogger, type Logger } from '@prefs/logger';
import { createApiConnection, createBulkQueue } from '@prefs/queue';
import { createApp } from './app';

/**
 * Errors Node's HTTP parser answers before Express sees the request (headers too large, a malformed
 * request line) still get the spec's JSON error body.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify({
    code: tooLarge ? 'headers_too_large' : 'invalid_request',
    message: tooLarge ? 'The request headers are too large' : 'The request could not be parsed',
    status,
    type: 'invalid_request_error',
  });
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Idle keep-alive sockets stay open longer than a load balancer's usual 60 s idle timeout and than a
 * client's reuse window (it reads `Keep-Alive: timeout=65` and stops reusing a second early), so the
 * client or the proxy closes them: with Node's 5 s, a busy client reused a socket the API was closing
 * and its request failed ("other side closed"), seen in the one-click load test at load 45.
 */
const IDLE_KEEP_ALIVE_MS = 65_000;

export function createHttpServer(app: Express): http.Server {
  const server = http.createServer({ requestTimeout: 60_000, headersTimeout: 30_000, keepAliveTimeout: IDLE_KEEP_ALIVE_MS }, app);
  server.on('clientError', answerClientError);
  return server;
}

export interface ApiProcess {
  server: http.Server;
  app: Express;
  db: Database;
  logger: Logger;
  url: string;
  close(): Promise<void>;
}

export interface ApiOverrides {
  /** A logger of the caller's (tests read the lines back); otherwise one is made from the configuration. */
  logger?: Logger;
}

/** Builds every dependency from the configuration and listens: what `main.ts` runs, and what tests spawn. */
export async function startApi(config: ApiConfig = readApiConfig(), overrides: ApiOverrides = {}): Promise<ApiProcess> {
  const logger = overrides.logger ?? createLogger({ service: 'api', level: config.logLevel });
  const db = createDatabase({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, applicationName: 'prefs-api', preparedStatements: config.databasePreparedStatements });
  const redis = createApiConnection(config.redisUrl);
  redis.on('error', (error) => logger.debug({ err: error }, 'redis connection error'));
  const queue = createBulkQueue(redis, config.redisPrefix);
  queue.on('error', (error) => logger.debug({ err: error }, 'queue error'));

  if (config.bootstrapKey) {
    const owner = await ensureSecretKey(db, 'development', config.bootstrapKey);
    logger.info({ environment: owner.environmentName }, 'bootstrap key is ready');
  }
  const app = createApp({ config, db, redis, queue, logger });
  const server = createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://127.0.0.1:${port}`;
  logger.info({ url }, 'api listening');

  return {
    server,
    app,
    db,
    logger,
    url,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      });
      await queue.close().catch(() => undefined);
      redis.disconnect();
      await db.$disconnect();
    },
  };
}
