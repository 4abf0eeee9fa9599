import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { BULK_OPERATIONS } from '@prefs/core';
import { uniqueName, useTestEnvironment } from '@prefs/testing';
import { OPERATION_KINDS } from '../src/kinds';
import { dropDatabase, ensureDatabase, MIGRATIONS_DIR, runMigrations } from '../src/migrate';

/**
 * The database as the migrations leave it agrees with the one constant of statuses, names and
 * strategies (@prefs/core), and with schema.prisma: every index the migrations create is declared there,
 * so a migration generated from the schema would not drop one (the partial index of unfinished
 * operations included).
 */
const env = useTestEnvironment();

const SCHEMA = readFileSync(path.join(__dirname, '..', '..', '..', 'prisma', 'schema.prisma'), 'utf8');

/** The quoted literals of the first `ARRAY[...]` in a definition PostgreSQL printed. */
function arrayLiterals(definition: string): string[] {
  const array = /ARRAY\[([^\]]*)\]/.exec(definition);
  if (!array) throw new Error(`no ARRAY[...] in ${definition}`);
  return [...array[1].matchAll(/'([^']*)'/g)].map((match) => match[1]);
}

async function checkConstraint(name: string): Promise<string> {
  const rows = await env.db.$queryRawUnsafe<{ definition: string }[]>(
    `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conname = $1 AND contype = 'c'`,
    name,
  );
  if (!rows[0]) throw new Error(`no CHECK constraint ${name}`);
  return rows[0].definition;
}

describe('bulk_operations CHECK constraints', () => {
  it('allow exactly the statuses of BULK_OPERATIONS', async () => {
    expect(arrayLiterals(await checkConstraint('bulk_operations_status_check'))).toEqual([...BULK_OPERATIONS.statuses]);
  });

  it('allow exactly the operation names of BULK_OPERATIONS', async () => {
    expect(arrayLiterals(await checkConstraint('bulk_operations_name_check'))).toEqual([...BULK_OPERATIONS.names]);
  });

  it('allow exactly the strategies of BULK_OPERATIONS', async () => {
    expect(arrayLiterals(await checkConstraint('bulk_operations_strategy_check'))).toEqual([...BULK_OPERATIONS.strategies]);
  });
});

describe('the index of unfinished operations', () => {
  it('covers exactly the unfinished statuses, in the database and in schema.prisma', async () => {
    const rows = await env.db.$queryRawUnsafe<{ predicate: string; columns: string }[]>(
      `SELECT pg_get_expr(i.indpred, i.indrelid) AS predicate,
              (SELECT string_agg(a.attname, ',' ORDER BY k.ordinality) FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ordinality)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'bulk_operations_active_idx'`,
    );
    expect(rows[0]?.columns).toBe('environment_id,scope,seq');
    expect(arrayLiterals(rows[0]?.predicate ?? '')).toEqual([...BULK_OPERATIONS.unfinishedStatuses]);

    const declared = /@@index\(\[environmentId, scope, seq\], map: "bulk_operations_active_idx", where: raw\("status IN \(([^)]*)\)"\)\)/.exec(SCHEMA);
    expect(declared).not.toBeNull();
    expect([...(declared?.[1] ?? '').matchAll(/'([^']*)'/g)].map((match) => match[1])).toEqual([...BULK_OPERATIONS.unfinishedStatuses]);
  });
});

/** The index names schema.prisma declares: explicit `map:` names, and Prisma's default names otherwise. */
function declaredIndexNames(schema: string): Set<string> {
  const names = new Set<string>();
  for (const model of schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const body = model[2];
    const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? model[1];
    const columns = new Map<string, string>();
    for (const field of body.matchAll(/^ {2}(\w+)\s+\S+(.*)$/gm)) {
      columns.set(field[1], /@map\("([^"]+)"\)/.exec(field[2])?.[1] ?? field[1]);
      if (/@id\b/.test(field[2])) names.add(`${table}_pkey`);
      if (/@unique\b/.test(field[2])) names.add(`${table}_${columns.get(field[1])}_key`);
    }
    if (/@@id\(/.test(body)) names.add(`${table}_pkey`);
    for (const index of body.matchAll(/@@(index|unique)\(\[([^\]]*)\]([^\n]*)\)/g)) {
      const explicit = /map: "([^"]+)"/.exec(index[3])?.[1];
      const fields = index[2].split(',').map((part) => part.trim().replace(/\(.*$/, ''));
      names.add(explicit ?? `${table}_${fields.map((field) => columns.get(field) ?? field).join('_')}_${index[1] === 'index' ? 'idx' : 'key'}`);
    }
  }
  return names;
}

it('every index the migrations create is declared in schema.prisma (so a generated migration would not drop it)', async () => {
  const indexes = await env.db.$queryRawUnsafe<{ name: string }[]>(
    `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations' ORDER BY indexname`,
  );
  const declared = declaredIndexNames(SCHEMA);
  expect(indexes.length).toBeGreaterThan(5);
  expect(indexes.map((index) => index.name).filter((name) => !declared.has(name))).toEqual([]);
});

describe('the kind of an operation', () => {
  const KIND_MIGRATION = '20261203120500_operation_kind';
  // The kinds there were when the column came (later ones, such as users.delete, never lacked it).
  const KINDS_THEN = OPERATION_KINDS.filter((kind) => ['users.set_preferences:replace', 'users.set_preferences:merge', 'tenants.set', 'users.identify'].includes(kind.id));

  it('is backfilled from (name, strategy) for operations recorded before the column, as the id of the kind that writes them', async () => {
    // A database migrated up to just before the column, holding one operation of every (name, strategy).
    const earlier = mkdtempSync(path.join(tmpdir(), 'prefs-migrations-'));
    for (const name of readdirSync(MIGRATIONS_DIR).filter((entry) => entry < KIND_MIGRATION)) {
      cpSync(path.join(MIGRATIONS_DIR, name), path.join(earlier, name), { recursive: true });
    }
    const url = new URL(env.databaseUrl);
    url.pathname = `/${uniqueName('prefs_kind')}`;
    const databaseUrl = url.toString();
    await ensureDatabase(databaseUrl);
    const client = new Client({ connectionString: databaseUrl });
    try {
      await runMigrations(databaseUrl, earlier);
      await client.connect();
      await client.query(
        `WITH environment AS (INSERT INTO environments (name) VALUES ('kinds') RETURNING id)
         INSERT INTO bulk_operations (environment_id, name, strategy, scope, keys, input, estimated_total_rows)
         SELECT environment.id, kind.name, kind.strategy, 'scope', '{}', '{}', 0
         FROM environment, jsonb_to_recordset($1::jsonb) AS kind(name text, strategy text)`,
        [JSON.stringify(KINDS_THEN.map((kind) => ({ name: kind.name, strategy: kind.strategy })))],
      );
      expect((await runMigrations(databaseUrl)).applied).toContain(KIND_MIGRATION);

      const rows = await client.query<{ name: string; strategy: string | null; kind: string }>('SELECT name, strategy, kind FROM bulk_operations ORDER BY seq');
      expect(KINDS_THEN).toHaveLength(4);
      expect(rows.rows).toEqual(KINDS_THEN.map((kind) => ({ name: kind.name, strategy: kind.strategy, kind: kind.id })));
    } finally {
      await client.end();
      await dropDatabase(databaseUrl);
      rmSync(earlier, { recursive: true, force: true });
    }
  });

  it('is one id per kind, required in the database and in schema.prisma', async () => {
    expect(new Set(OPERATION_KINDS.map((kind) => kind.id)).size).toBe(OPERATION_KINDS.length);
    const columns = await env.db.$queryRawUnsafe<{ nullable: string }[]>(
      `SELECT is_nullable AS nullable FROM information_schema.columns WHERE table_name = 'bulk_operations' AND column_name = 'kind'`,
    );
    expect(columns).toEqual([{ nullable: 'NO' }]);
    const model = /^model BulkOperation \{([\s\S]*?)^\}/m.exec(SCHEMA)?.[1] ?? '';
    expect(model).toMatch(/^ {2}kind +String$/m);
  });
});
