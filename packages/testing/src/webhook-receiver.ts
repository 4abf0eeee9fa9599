import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * A webhook receiver on 127.0.0.1 for the tests: it verifies every request with the `standardwebhooks`
 * package (an independent implementation of the standard) against the secrets it is told, and answers
 * as `answer` decides (a status, or `hang` to never answer). It can be stopped and started again on
 * the same port.
 */

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The body parsed, once the signature verified; null when it did not. */
  payload: { type: string; timestamp: string; data: Record<string, unknown> } | null;
  /** The status answered. */
  status: number | 'hang';
  at: number;
  path: string;
}

export type WebhookAnswer = (request: { id: string; attempt: number; path: string }) => number | 'hang';

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private server: http.Server | null = null;
  private port = 0;
  private readonly attempts = new Map<string, number>();
  private readonly hanging = new Set<http.ServerResponse>();
  secrets: string[] = [];
  answer: WebhookAnswer = () => 200;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops every connection (kept-alive ones included), as a receiver that goes away. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The distinct `webhook-id`s whose signature verified, with their payloads (the first copy of each). */
  verifiedEvents(): Map<string, NonNullable<ReceivedWebhook['payload']>> {
    const events = new Map<string, NonNullable<ReceivedWebhook['payload']>>();
    for (const webhook of this.received) if (webhook.payload && !events.has(webhook.id)) events.set(webhook.id, webhook.payload);
    return events;
  }

  /** The distinct `webhook-id`s answered 2xx. */
  acceptedIds(): Set<string> {
    return new Set(this.received.filter((webhook) => typeof webhook.status === 'number' && webhook.status < 300).map((webhook) => webhook.id));
  }

  private verify(headers: Record<string, string>, body: string): ReceivedWebhook['payload'] {
    for (const secret of this.secrets) {
      try {
        return new Webhook(secret).verify(body, headers) as ReceivedWebhook['payload'];
      } catch {
        // the next secret
      }
    }
    return null;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const header = (name: string) => String(req.headers[name] ?? '');
    const id = header('webhook-id');
    const headers = { 'webhook-id': id, 'webhook-timestamp': header('webhook-timestamp'), 'webhook-signature': header('webhook-signature') };
    const attempt = (this.attempts.get(id) ?? 0) + 1;
    this.attempts.set(id, attempt);
    const path = req.url ?? '/';
    const status = this.answer({ id, attempt, path });
    this.received.push({ id, timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'], body, payload: this.verify(headers, body), status, at: Date.now(), path });
    if (status === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
  }
}
