import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBenchApi } from './api-process';
import { startBenchWorkers, waitUntil } from './bench-workers';
import { line, percentile, runPool, type LineResult } from './measure';

/**
 * Webhook delivery (operations-control.md, Webhooks: Load): single-user changes through one API process,
 * each a `preference_set.updated` event to one endpoint, sent by one worker to a receiver in this
 * process. Two figures: deliveries per second draining a backlog (the changes made before the worker
 * starts), and, with the worker running, the delay from each change (the event's `timestamp`, written
 * by PostgreSQL with the change) to its arrival, p50 and p99.
 */
export interface WebhookBenchOptions {
  repoRoot: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  secretKey: string;
  workerEnv: Record<string, string>;
  /** Changes of each part (the backlog, then the live run). */
  changes: number;
  parallel: number;
  cpuProfileDir?: string;
  log: (message: string) => void;
}

export interface WebhookBenchResult {
  backlog: LineResult;
  live: LineResult;
  delayMs: { p50: number; p99: number; max: number };
  /** Attempts the receiver saw beyond one per event (none expected: it always answers 200). */
  repeats: number;
}

/** Records the first arrival of each `webhook-id`, and its delay since the event's `timestamp`. */
function startReceiver(): Promise<{ server: http.Server; url: string; arrivals: Map<string, { at: number; delayMs: number }>; attempts: () => number }> {
  const arrivals = new Map<string, { at: number; delayMs: number }>();
  let attempts = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      attempts += 1;
      const at = Date.now();
      const id = String(req.headers['webhook-id']);
      if (!arrivals.has(id)) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp: string };
        arrivals.set(id, { at, delayMs: at - Date.parse(body.timestamp) });
      }
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`, arrivals, attempts: () => attempts }));
  });
}

export async function measureWebhooks(options: WebhookBenchOptions, tag: string): Promise<WebhookBenchResult> {
  const receiver = await startReceiver();
  const webhookEnv = { WEBHOOK_ALLOW_PRIVATE: 'true' };
  const { api, baseUrl } = await startBenchApi(options, 'api-webhooks', webhookEnv);
  const workers: Awaited<ReturnType<typeof startBenchWorkers>> = [];
  try {
    const headers = { authorization: `Bearer ${options.secretKey}`, 'content-type': 'application/json' };
    const registered = await fetch(`${baseUrl}/v1/webhooks`, { method: 'POST', headers, body: JSON.stringify({ url: receiver.url, events: ['preference_set.updated'] }) });
    if (registered.status !== 200) throw new Error(`POST /v1/webhooks answered ${registered.status}: ${await registered.text()}`);
    let changed = 0;
    const change = async (part: string, index: number) => {
      const response = await fetch(`${baseUrl}/v1/users/webhooks-${tag}-${part}-${index}/preferences/default`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ channel_types: { email: index % 2 === 0 }, categories: { digest: true } }),
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`PUT preferences answered ${response.status}`);
      changed += 1;
    };
    const delivered = (count: number, what: string) => waitUntil(async () => receiver.arrivals.size >= count, 600_000, () => `${what}: ${receiver.arrivals.size} of ${count} delivered`);

    options.log(`  ${options.changes} changes recorded before a worker runs, then drained by one worker`);
    await runPool(options.changes, options.parallel, (index) => change('backlog', index));
    workers.push(...(await startBenchWorkers({ ...options, workerEnv: { ...options.workerEnv, ...webhookEnv } }, 1, 'webhooks')));
    await delivered(changed, 'backlog');
    // From the first arrival to the last: the drain itself, not the worker's start.
    const backlogTimes = [...receiver.arrivals.values()].map((arrival) => arrival.at);
    const backlogSeconds = (Math.max(...backlogTimes) - Math.min(...backlogTimes)) / 1000;

    options.log(`  ${options.changes} changes with the worker running, ${options.parallel} in flight`);
    const before = new Set(receiver.arrivals.keys());
    const liveStarted = performance.now();
    await runPool(options.changes, options.parallel, (index) => change('live', index));
    await delivered(changed, 'live');
    const liveSeconds = (performance.now() - liveStarted) / 1000;
    const delays = [...receiver.arrivals.entries()].filter(([id]) => !before.has(id)).map(([, arrival]) => arrival.delayMs);
    return {
      backlog: line('webhooks.backlog', 'webhook deliveries, backlog, 1 worker', options.changes, backlogSeconds, 'first arrival to last'),
      live: line('webhooks.live', 'webhook deliveries, live, 1 worker', options.changes, liveSeconds, `changes and deliveries together, ${options.parallel} changes in flight`),
      delayMs: { p50: percentile(delays, 50), p99: percentile(delays, 99), max: percentile(delays, 100) },
      repeats: receiver.attempts() - receiver.arrivals.size,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await api.stop();
    receiver.server.closeAllConnections();
    await new Promise((resolve) => receiver.server.close(resolve));
  }
}
