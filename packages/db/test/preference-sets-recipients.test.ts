import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { userRecipient, USERS_COLLECTION, type PreferenceDocument } from '@prefs/core';
import { uniqueName, useTestEnvironment } from '@prefs/testing';
import {
  createBulkOperation,
  createDatabase,
  deleteUsersOperation,
  getPreferenceSet,
  listPreferenceSets,
  putPreferenceSet,
  readEvaluationInputs,
  reclaimOperation,
  setPreferencesOperation,
  writeOperationBatch,
  type NewBulkOperation,
} from '@prefs/db';
import type { Queryable } from '../src/client';
import { dropDatabase, ensureDatabase, MIGRATIONS_DIR, runMigrations } from '../src/migrate';

/**
 * Preference sets keyed by recipient (recipients.md, one model): the migration keeps every stored set,
 * users' and objects' sets of the same id are apart, and every statement on the table still reads it by
 * its primary key (so the bulk writes keep their throughput).
 */
const env = useTestEnvironment();

const RECIPIENT_MIGRATION = '20261204110000_preference_sets_recipients';

describe('the migration to recipient-keyed sets', () => {
  it('keeps every stored set: each reads the same after it, as the set of that user', async () => {
    const earlier = mkdtempSync(path.join(tmpdir(), 'prefs-migrations-'));
    for (const name of readdirSync(MIGRATIONS_DIR).filter((entry) => entry < RECIPIENT_MIGRATION)) {
      cpSync(path.join(MIGRATIONS_DIR, name), path.join(earlier, name), { recursive: true });
    }
    const url = new URL(env.databaseUrl);
    url.pathname = `/${uniqueName('prefs_recipients')}`;
    const databaseUrl = url.toString();
    await ensureDatabase(databaseUrl);
    const client = new Client({ connectionString: databaseUrl });
    const db = createDatabase({ databaseUrl, poolSize: 1 });
    try {
      await runMigrations(databaseUrl, earlier);
      await client.connect();
      const stored: Record<string, Record<string, PreferenceDocument>> = {
        ann: { default: { categories: { news: false }, channel_types: { email: true } }, acme: { workflows: { digest: { channel_types: { sms: false } } } } },
        bob: { default: { commercial_subscribed: false } },
      };
      const { rows } = await client.query<{ id: string }>(`INSERT INTO environments (name) VALUES ('before') RETURNING id`);
      const environmentId = rows[0].id;
      for (const [user, sets] of Object.entries(stored)) {
        for (const [setId, document] of Object.entries(sets)) {
          await client.query(
            `INSERT INTO preference_sets (environment_id, user_id, set_id, preferences, created_at, updated_at)
             VALUES ($1::uuid, $2, $3, $4::jsonb, '2026-01-02T03:04:05Z', '2026-02-03T04:05:06Z')`,
            [environmentId, user, setId, JSON.stringify(document)],
          );
        }
      }

      expect((await runMigrations(databaseUrl)).applied).toContain(RECIPIENT_MIGRATION);

      for (const [user, sets] of Object.entries(stored)) {
        expect(await listPreferenceSets(db, environmentId, userRecipient(user))).toEqual(
          Object.keys(sets).sort().map((setId) => ({ setId, document: sets[setId] })),
        );
        for (const [setId, document] of Object.entries(sets)) expect(await getPreferenceSet(db, environmentId, userRecipient(user), setId)).toEqual(document);
      }
      const times = await client.query<{ collection: string; created: string; updated: string }>(
        `SELECT DISTINCT recipient_collection AS collection, created_at::text AS created, updated_at::text AS updated FROM preference_sets`,
      );
      expect(times.rows).toEqual([{ collection: USERS_COLLECTION, created: '2026-01-02 03:04:05+00', updated: '2026-02-03 04:05:06+00' }]);
      // Every later write names its recipient's collection: none is taken for a user by default.
      await expect(
        client.query(`INSERT INTO preference_sets (environment_id, recipient_id, set_id) VALUES ($1::uuid, 'carl', 'default')`, [environmentId]),
      ).rejects.toThrow(/recipient_collection/);
    } finally {
      await client.end();
      await db.$disconnect();
      await dropDatabase(databaseUrl);
      rmSync(earlier, { recursive: true, force: true });
    }
  });

  it('keys the table (environment, recipient collection, recipient id, set id)', async () => {
    const [key] = await env.db.$queryRawUnsafe<{ definition: string }[]>(
      `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conname = 'preference_sets_pkey'`,
    );
    expect(key.definition).toBe('PRIMARY KEY (environment_id, recipient_collection, recipient_id, set_id)');
  });
});

it("holds a user's and an object's sets of the same ids apart", async () => {
  const object = { collection: 'projects', id: 'shared-id' };
  await putPreferenceSet(env.db, env.environmentId, userRecipient('shared-id'), 'default', 'replace', { categories: { user: true } });
  await putPreferenceSet(env.db, env.environmentId, object, 'default', 'merge', { categories: { object: true } });
  expect(await getPreferenceSet(env.db, env.environmentId, userRecipient('shared-id'), 'default')).toEqual({ categories: { user: true } });
  expect(await listPreferenceSets(env.db, env.environmentId, object)).toEqual([{ setId: 'default', document: { categories: { object: true } } }]);
});

/** Every statement `run` sends, with its parameters. */
async function statementsOf(run: (db: Queryable) => Promise<unknown>): Promise<{ sql: string; params: unknown[] }[]> {
  const sent: { sql: string; params: unknown[] }[] = [];
  const recording: Queryable = {
    $queryRawUnsafe: ((sql: string, ...params: unknown[]) => {
      sent.push({ sql, params });
      return env.db.$queryRawUnsafe(sql, ...params);
    }) as Queryable['$queryRawUnsafe'],
    $executeRawUnsafe: ((sql: string, ...params: unknown[]) => {
      sent.push({ sql, params });
      return env.db.$executeRawUnsafe(sql, ...params);
    }) as Queryable['$executeRawUnsafe'],
  };
  await run(recording);
  return sent;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Conflict Arbiter Indexes'?: string[];
  Plans?: PlanNode[];
}

/**
 * The nodes of `sql`'s plan that read or write preference_sets or scan its key, sequential scans made
 * a last resort (so a statement that could not use the key shows one).
 */
async function preferenceSetNodes(sql: string, params: unknown[]): Promise<PlanNode[]> {
  const plan = await env.db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
    return tx.$queryRawUnsafe<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(`EXPLAIN (FORMAT JSON) ${sql}`, ...params);
  });
  const nodes: PlanNode[] = [];
  const visit = (node: PlanNode) => {
    if (node['Relation Name'] === 'preference_sets' || node['Index Name'] === 'preference_sets_pkey') nodes.push(node);
    node.Plans?.forEach(visit);
  };
  visit(plan[0]['QUERY PLAN'][0].Plan);
  return nodes;
}

async function runOperation(db: Queryable, operation: NewBulkOperation, setsPerRecipient?: number): Promise<void> {
  const { operation: recorded } = await createBulkOperation(env.db, { environmentId: env.environmentId, operation, idempotencyKey: null, requestHash: uniqueName('hash') });
  const running = await reclaimOperation(env.db, recorded.id, 30_000);
  if (!running) throw new Error('not claimed');
  // The kind's statements go through `db`; the progress machinery needs only Queryable for these kinds.
  await writeOperationBatch(db as typeof env.db, running, 0, running.totalRows, 30_000, setsPerRecipient);
}

describe('every statement on preference_sets reads it by its primary key', () => {
  const users = Array.from({ length: 50 }, (_, index) => `plan-${String(index).padStart(2, '0')}`);

  // A table of realistic size, analysed: on a handful of rows any plan is as good as another.
  beforeAll(async () => {
    await env.db.$executeRawUnsafe(
      `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
       SELECT $1::uuid, $2, 'seed-' || n, set_id, '{"categories": {"seed": true}}' FROM generate_series(1, 20000) AS n, unnest(ARRAY['default', 'acme']) AS set_id`,
      env.environmentId,
      USERS_COLLECTION,
    );
    await env.db.$executeRawUnsafe('ANALYZE preference_sets');
  });

  it.each([
    ['bulk replace', (db: Queryable) => runOperation(db, setPreferencesOperation({ userIds: users, setId: 'default', strategy: 'replace', document: { categories: { a: true } } }), 1000)],
    ['bulk merge', (db: Queryable) => runOperation(db, setPreferencesOperation({ userIds: users, setId: 'default', strategy: 'merge', document: { categories: { b: false } } }), 1000)],
    ['users.delete', (db: Queryable) => runOperation(db, deleteUsersOperation(users.slice(0, 10)))],
    ['a single PUT', (db: Queryable) => putPreferenceSet(db, env.environmentId, userRecipient('plan-20'), 'acme', 'merge', { categories: { c: true } }, { setsPerRecipient: 1000 })],
    ['evaluation inputs', (db: Queryable) => readEvaluationInputs(db, env.environmentId, users.map(userRecipient), 'acme')],
  ])('%s', async (_name, run) => {
    const statements = (await statementsOf(run)).filter((statement) => /preference_sets/.test(statement.sql));
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      const nodes = await preferenceSetNodes(statement.sql, statement.params);
      expect(nodes.length).toBeGreaterThan(0);
      expect(nodes.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
      for (const node of nodes) {
        if (node['Conflict Arbiter Indexes']) expect(node['Conflict Arbiter Indexes']).toEqual(['preference_sets_pkey']);
        // A scan of the key is a range of it: its leading columns are bound, not a walk over all of it.
        if (node['Index Name'] !== undefined) expect(node['Index Cond']).toMatch(/environment_id = .*recipient_collection = .*recipient_id = /);
      }
    }
  });
});
