import { Client } from 'pg';
import { createBulkOperation, createDatabase, findBlockingOperation, listBulkOperations, setPreferencesOperation, type Database } from '@prefs/db';
import { DEFAULT_SET_ID, replacePreferences, USERS_COLLECTION } from '@prefs/core';
import { fullDocument, userId } from './documents';
import { percentile } from './measure';

/**
 * How the system holds up as the data grows: the seed of any size (`--users`), what the stored sets
 * cost on disk per million users, and what creating, listing and ordering-checking an operation cost
 * with many finished operations in the table (they must be reached through indexes, never scanned).
 */

const SEED_CHUNK = 250_000;

/** Seeds users [from, to) with `document`, in chunks (one statement each), then vacuums. */
export async function seedUsers(
  databaseUrl: string,
  environmentId: string,
  from: number,
  to: number,
  document: string,
  log: (message: string) => void = () => undefined,
): Promise<void> {
  const client = new Client({ connectionString: databaseUrl, application_name: 'prefs-bench-seed' });
  await client.connect();
  try {
    for (let start = from; start < to; start += SEED_CHUNK) {
      const end = Math.min(to, start + SEED_CHUNK);
      await client.query(
        `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
         SELECT $1::uuid, $8, $5 || lpad(i::text, $6::int, '0'), $2, $3::jsonb FROM generate_series($4::int, $7::int - 1) AS i`,
        [environmentId, DEFAULT_SET_ID, document, start, 'bench-user-', userId(0).length - 'bench-user-'.length, end, USERS_COLLECTION],
      );
      if (to - from > SEED_CHUNK) log(`  seeded ${end.toLocaleString('en')} of ${to.toLocaleString('en')} users`);
    }
    await client.query('VACUUM ANALYZE preference_sets');
  } finally {
    await client.end();
  }
}

export interface StorageFigures {
  users: number;
  /** Heap, TOAST and indexes of `preference_sets`, in MB. */
  tableMb: number;
  indexMb: number;
  perMillionUsers: { tableMb: number; indexMb: number; totalMb: number };
  /** Average bytes per stored set's row, indexes included. */
  bytesPerUser: number;
}

const MB = 1024 * 1024;

export async function measureStorage(databaseUrl: string, users: number): Promise<StorageFigures> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ table: string; indexes: string }>(
      `SELECT pg_table_size('preference_sets') AS table, pg_indexes_size('preference_sets') AS indexes`,
    );
    const table = Number(rows[0].table);
    const indexes = Number(rows[0].indexes);
    const perMillion = (bytes: number) => round((bytes / MB) * (1_000_000 / users));
    return {
      users,
      tableMb: round(table / MB),
      indexMb: round(indexes / MB),
      perMillionUsers: { tableMb: perMillion(table), indexMb: perMillion(indexes), totalMb: perMillion(table + indexes) },
      bytesPerUser: Math.round((table + indexes) / users),
    };
  } finally {
    await client.end();
  }
}

export interface OperationCostFigures {
  finishedOperations: number;
  /** Milliseconds, p50 and p95 over the samples, through the Prisma client as the API and workers run them. */
  create: { p50Ms: number; p95Ms: number };
  orderingCheck: { p50Ms: number; p95Ms: number };
  listFirstPage: { p50Ms: number; p95Ms: number };
  listFailedOnly: { p50Ms: number; p95Ms: number };
}

export interface OperationCostsOptions {
  databaseUrl: string;
  environmentId: string;
  /** Finished operations added before the second measurement. */
  finishedOperations: number;
  samples: number;
  log?: (message: string) => void;
}

/** The costs with the table as it is, then again after adding `finishedOperations` finished ones. */
export async function measureOperationCosts(options: OperationCostsOptions): Promise<OperationCostFigures[]> {
  const db = createDatabase({ databaseUrl: options.databaseUrl, poolSize: 2, applicationName: 'prefs-bench-growth' });
  try {
    const before = await timeOperations(db, options, 'before');
    options.log?.(`  adding ${options.finishedOperations.toLocaleString('en')} finished operations`);
    await addFinishedOperations(options.databaseUrl, options.environmentId, options.finishedOperations);
    const after = await timeOperations(db, options, 'after');
    return [before, after].map((figures, index) => ({ ...figures, finishedOperations: index === 0 ? 0 : options.finishedOperations }));
  } finally {
    await db.$disconnect();
  }
}

type Timed = Omit<OperationCostFigures, 'finishedOperations'>;

async function timeOperations(db: Database, options: OperationCostsOptions, phase: string): Promise<Timed> {
  const samples = { create: [] as number[], orderingCheck: [] as number[], listFirstPage: [] as number[], listFailedOnly: [] as number[] };
  const document = replacePreferences(fullDocument(`growth-${phase}`));
  const time = async <T>(into: number[], task: () => Promise<T>): Promise<T> => {
    const begun = performance.now();
    const result = await task();
    into.push(performance.now() - begun);
    return result;
  };
  for (let sample = 0; sample < options.samples; sample += 1) {
    // 1,000 users each, disjoint from the others: the ordering check finds nothing to wait for.
    const userIds = Array.from({ length: 1000 }, (_, index) => `growth-${phase}-${sample}-${String(index).padStart(4, '0')}`);
    const { operation } = await time(samples.create, () =>
      createBulkOperation(db, {
        environmentId: options.environmentId,
        operation: setPreferencesOperation({ setId: DEFAULT_SET_ID, strategy: 'replace', userIds, document }),
        idempotencyKey: null,
        requestHash: `growth-${phase}-${sample}`,
      }),
    );
    await time(samples.orderingCheck, () => findBlockingOperation(db, operation.id));
    await time(samples.listFirstPage, () => listBulkOperations(db, { environmentId: options.environmentId, pageSize: 50 }));
    await time(samples.listFailedOnly, () => listBulkOperations(db, { environmentId: options.environmentId, pageSize: 50, status: 'failed' }));
    // Finished, so that it holds no later sample back.
    await db.$executeRawUnsafe(
      `UPDATE bulk_operations SET status = 'completed', processed_rows = estimated_total_rows, success_count = estimated_total_rows,
         started_at = now(), completed_at = now() WHERE id = $1::uuid`,
      operation.id,
    );
  }
  const figures = (values: number[]) => ({ p50Ms: round(percentile(values, 50)), p95Ms: round(percentile(values, 95)) });
  return {
    create: figures(samples.create),
    orderingCheck: figures(samples.orderingCheck),
    listFirstPage: figures(samples.listFirstPage),
    listFailedOnly: figures(samples.listFailedOnly),
  };
}

/**
 * Finished operations of 1,000 users spread over the last 60 days, as they stand once their input has
 * been pruned (see retention): completed, a few failed; the newest ones first in the listing.
 */
async function addFinishedOperations(databaseUrl: string, environmentId: string, count: number): Promise<void> {
  const client = new Client({ connectionString: databaseUrl, application_name: 'prefs-bench-growth' });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO bulk_operations (environment_id, name, status, scope, strategy, kind, keys, input, input_pruned_at, estimated_total_rows,
         processed_rows, success_count, error_count, inserted_at, updated_at, started_at, completed_at, failed_at)
       SELECT $1::uuid, 'users.set_preferences', CASE WHEN i % 1000 = 0 THEN 'failed' ELSE 'completed' END, 'preferences:' || $3, 'replace',
         'users.set_preferences:replace',
         '{}', NULL, at,
         1000, 1000, 1000, 0, at, at, at, CASE WHEN i % 1000 = 0 THEN NULL ELSE at END, CASE WHEN i % 1000 = 0 THEN at END
       FROM generate_series(1, $2::int) AS i, LATERAL (SELECT now() - interval '1 hour' - i * interval '10 seconds' AS at) AS t`,
      [environmentId, count, DEFAULT_SET_ID],
    );
    await client.query('VACUUM ANALYZE bulk_operations');
  } finally {
    await client.end();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
