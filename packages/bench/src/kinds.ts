import { Client } from 'pg';
import { startBenchApi } from './api-process';
import { startBenchWorkers, waitForOperations, type BenchWorkerOptions } from './bench-workers';
import { postJson } from './http-client';
import { line, runPool, type LineResult } from './measure';
import { cpuPerThousandUsers, sampleCpu, type SpawnedProcess } from './processes';

/**
 * Every bulk kind beside PostgreSQL's own limit for the same work (issue 18 part 8, issue 21): for each
 * kind, in interleaved pairs, the kind's statement written by hand over `operations` batches of 1,000
 * keys on `connections` connections, then the system (API + workers) doing the same through the API,
 * each on keys prepared the same way beforehand (untimed). The median of the pairs' ratios is the figure.
 */

export interface KindCase {
  /** The kind's id, e.g. `users.delete`. */
  key: string;
  /** What each key holds before the timed part (for the report). */
  shape: string;
  /** Untimed: gives `keys` what the kind will work on (for a delete: what is deleted). */
  prepare(client: Client, environmentId: string, keys: string[]): Promise<void>;
  /** PostgreSQL's limit: the kind's work for one batch of keys, by hand, in one statement. */
  limitBatch(client: Client, environmentId: string, keys: string[]): Promise<void>;
  /** The API request that makes an operation of these keys. */
  request(keys: string[]): { path: string; body: string };
  /** After the system's line, untimed: what is wrong with these keys' stored state, or null (the work was really done). */
  check(client: Client, environmentId: string, keys: string[]): Promise<string | null>;
}

export interface KindsBenchOptions extends BenchWorkerOptions {
  secretKey: string;
  environmentId: string;
  cases: KindCase[];
  workers: number;
  /** Operations (batches for the limit) of `keysPerOperation` keys per line. */
  operations: number;
  keysPerOperation: number;
  connections: number;
  submitParallel: number;
  pairs: number;
  /** Run before each timed line, untimed (a vacuum and checkpoint). */
  beforeLine: () => Promise<void>;
  log: (message: string) => void;
}

export interface KindPair {
  limit: LineResult;
  system: LineResult;
  ratio: number;
}

export interface KindResult {
  key: string;
  shape: string;
  pairs: KindPair[];
  /** The median of the pairs' system / limit. */
  medianRatio: number;
}

export function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

export async function measureKinds(options: KindsBenchOptions, tag: string): Promise<KindResult[]> {
  const processes: SpawnedProcess[] = [];
  const clients = await Promise.all(
    Array.from({ length: options.connections + 1 }, async (_, index) => {
      const client = new Client({ connectionString: options.databaseUrl, application_name: `prefs-bench-kinds-${index}` });
      await client.connect();
      return client;
    }),
  );
  const [watcher, ...limitClients] = clients;
  const headers = { authorization: `Bearer ${options.secretKey}`, 'content-type': 'application/json' };
  try {
    const { api, baseUrl } = await startBenchApi(options, `api-kinds`);
    processes.push(api, ...(await startBenchWorkers(options, options.workers, `kinds-${options.workers}w`)));
    const batchesOf = (lineTag: string, operations = options.operations, keysPerOperation = options.keysPerOperation) => {
      const keys = Array.from({ length: operations * keysPerOperation }, (_, index) => `bk-${tag}-${lineTag}-${index.toString().padStart(7, '0')}`);
      return chunk(keys, keysPerOperation);
    };
    const cpu = (before: { processes: number[]; services: ReturnType<typeof sampleCpu> }, keys: number) => ({
      ...Object.fromEntries(processes.map((p, index) => [p.name, Math.round(((p.cpuSeconds() - before.processes[index]) * 1e7) / keys) / 10])),
      ...cpuPerThousandUsers(before.services, sampleCpu(), keys),
    });
    const sample = () => ({ processes: processes.map((p) => p.cpuSeconds()), services: sampleCpu() });

    async function limitLine(kind: KindCase, lineTag: string): Promise<LineResult> {
      const batches = batchesOf(lineTag);
      for (const batch of batches) await kind.prepare(watcher, options.environmentId, batch);
      await options.beforeLine();
      const before = sample();
      const started = performance.now();
      let next = 0;
      await Promise.all(
        limitClients.map(async (client) => {
          while (next < batches.length) {
            const batch = batches[next];
            next += 1;
            await kind.limitBatch(client, options.environmentId, batch);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const keys = batches.length * options.keysPerOperation;
      const note = `${batches.length} statements of ${options.keysPerOperation} keys on ${limitClients.length} connections`;
      return line(`limit.kind.${kind.key}`, `limit, ${kind.key}`, keys, seconds, note, cpu(before, keys));
    }

    async function systemLine(kind: KindCase, lineTag: string, batches = batchesOf(lineTag)): Promise<LineResult> {
      for (const batch of batches) await kind.prepare(watcher, options.environmentId, batch);
      const requests = batches.map((batch) => kind.request(batch));
      await options.beforeLine();
      const before = sample();
      const ids: string[] = new Array<string>(requests.length);
      const firstPostAt = Date.now();
      await runPool(requests.length, options.submitParallel, async (index) => {
        const answer = await postJson(`${baseUrl}${requests[index].path}`, headers, requests[index].body);
        if (answer.status !== 200) throw new Error(`${kind.key}: POST ${requests[index].path} answered ${answer.status}: ${answer.body.slice(0, 500)}`);
        ids[index] = (JSON.parse(answer.body) as { id: string }).id;
      });
      const lastCompletedAt = await waitForOperations(watcher, ids, 600_000);
      const seconds = Math.max(lastCompletedAt - firstPostAt, 1) / 1000;
      const problem = await kind.check(watcher, options.environmentId, batches.flat());
      if (problem) throw new Error(`${kind.key}: the operations completed but ${problem}`);
      const keys = batches.reduce((sum, batch) => sum + batch.length, 0);
      const note = `${requests.length} operations of ${options.keysPerOperation} keys, ${options.workers} workers`;
      return line(`system.kind.${kind.key}`, `system ${options.workers}w, ${kind.key}`, keys, seconds, note, cpu(before, keys));
    }

    const results: KindResult[] = [];
    for (const kind of options.cases) {
      // Warm-up, untimed: the API's and workers' first operation of this kind.
      await systemLine(kind, `${kind.key}-warm`, batchesOf(`${kind.key}-warm`, 2, 10));
      const pairs: KindPair[] = [];
      for (let index = 1; index <= options.pairs; index += 1) {
        const limit = await limitLine(kind, `${kind.key}-${index}-l`);
        const system = await systemLine(kind, `${kind.key}-${index}-s`);
        pairs.push({ limit, system, ratio: system.usersPerSecond / limit.usersPerSecond });
        options.log(`  ${kind.key} pair ${index}: limit ${Math.round(limit.usersPerSecond)}, system ${Math.round(system.usersPerSecond)} keys/s: ${(system.usersPerSecond / limit.usersPerSecond).toFixed(2)}`);
      }
      results.push({ key: kind.key, shape: kind.shape, pairs, medianRatio: medianOf(pairs.map((pair) => pair.ratio)) });
    }
    return results;
  } finally {
    await Promise.all(processes.map((process) => process.stop()));
    await Promise.all(clients.map((client) => client.end()));
  }
}
