import { createDatabase, describeError, isServerLostError, isTransientError, type Database } from '@prefs/db';
import { createTestEnvironment, errorOf, freePort, type TestEnvironment } from '@prefs/testing';

/**
 * isTransientError judges errors as they really arrive: each case makes PostgreSQL (through Prisma and
 * @prisma/adapter-pg, as the API and the workers use it) fail one way.
 */
let env: TestEnvironment;

beforeAll(async () => {
  env = await createTestEnvironment();
  await env.db.$executeRawUnsafe('CREATE TABLE deadlock_rows (id int PRIMARY KEY)');
  await env.db.$executeRawUnsafe('INSERT INTO deadlock_rows VALUES (1), (2)');
});

afterAll(async () => {
  await env?.cleanup();
});


/** Raises a real PostgreSQL error with this SQLSTATE. */
function raise(db: Database, sqlstate: string) {
  return () => db.$executeRawUnsafe(`DO $$ BEGIN RAISE EXCEPTION 'raised ${sqlstate}' USING ERRCODE = '${sqlstate}'; END $$`);
}

describe('transient', () => {
  it('a connection terminated under a running statement (pg_terminate_backend, 57P01)', async () => {
    const victim = createDatabase({ databaseUrl: env.databaseUrl, poolSize: 1, applicationName: 'prefs-victim' });
    try {
      const running = errorOf(() => victim.$queryRawUnsafe('SELECT pg_sleep(30)'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await env.db.$queryRawUnsafe(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'prefs-victim'`);
      expect(isTransientError(await running)).toBe(true);
    } finally {
      await victim.$disconnect();
    }
  });

  it('PostgreSQL not reachable (nothing listens on the port)', async () => {
    const url = new URL(env.databaseUrl);
    url.port = String(await freePort());
    const unreachable = createDatabase({ databaseUrl: url.toString(), poolSize: 1 });
    try {
      expect(isTransientError(await errorOf(() => unreachable.$queryRawUnsafe('SELECT 1')))).toBe(true);
      expect(isTransientError(await errorOf(() => unreachable.$transaction(async (tx) => tx.$queryRawUnsafe('SELECT 1'))))).toBe(true);
    } finally {
      await unreachable.$disconnect();
    }
  });

  it('a deadlock between two transactions (40P01)', async () => {
    let firstLocked!: () => void;
    const locked = new Promise<void>((resolve) => (firstLocked = resolve));
    const outcomes = await Promise.allSettled([
      env.db.$transaction(async (tx) => {
        await tx.$queryRawUnsafe('SELECT 1 FROM deadlock_rows WHERE id = 1 FOR UPDATE');
        firstLocked();
        await new Promise((resolve) => setTimeout(resolve, 200));
        await tx.$queryRawUnsafe('SELECT 1 FROM deadlock_rows WHERE id = 2 FOR UPDATE');
      }),
      env.db.$transaction(async (tx) => {
        await tx.$queryRawUnsafe('SELECT 1 FROM deadlock_rows WHERE id = 2 FOR UPDATE');
        await locked;
        await tx.$queryRawUnsafe('SELECT 1 FROM deadlock_rows WHERE id = 1 FOR UPDATE');
      }),
    ]);
    const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    expect(failures).toHaveLength(1);
    expect(describeError(failures[0].reason)).toContain('40P01');
    expect(isTransientError(failures[0].reason)).toBe(true);
  });

  it.each([
    ['serialization failure', '40001'],
    ['the database system is starting up', '57P03'],
    ['crash shutdown', '57P02'],
    ['too many connections', '53300'],
    ['connection failure', '08006'],
  ])('%s (%s)', async (_name, sqlstate) => {
    expect(isTransientError(await errorOf(raise(env.db, sqlstate)))).toBe(true);
  });

  it('the same in an interactive transaction', async () => {
    const error = await errorOf(() => env.db.$transaction(async (tx) => raise(tx as unknown as Database, '40001')()));
    expect(isTransientError(error)).toBe(true);
  });
});

/** The error of a statement whose backend is terminated (pg_terminate_backend, 57P01) while it runs. */
async function terminatedUnder(run: (victim: Database) => Promise<unknown>): Promise<unknown> {
  const victim = createDatabase({ databaseUrl: env.databaseUrl, poolSize: 1, applicationName: 'prefs-lost' });
  try {
    const running = errorOf(() => run(victim));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await env.db.$queryRawUnsafe(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'prefs-lost'`);
    return await running;
  } finally {
    await victim.$disconnect();
  }
}

describe('server lost under a statement', () => {
  it('a terminated backend, alone or in an interactive transaction', async () => {
    expect(isServerLostError(await terminatedUnder((victim) => victim.$queryRawUnsafe('SELECT pg_sleep(30)')))).toBe(true);
    const inTransaction = await terminatedUnder((victim) => victim.$transaction(async (tx) => tx.$queryRawUnsafe('SELECT pg_sleep(30)'), { timeout: 60_000 }));
    expect(isServerLostError(inTransaction)).toBe(true);
  });

  it.each([
    ['crash shutdown', '57P02'],
    ['the database system is starting up', '57P03'],
  ])('%s (%s)', async (_name, sqlstate) => {
    expect(isServerLostError(await errorOf(raise(env.db, sqlstate)))).toBe(true);
  });

  it.each([
    ['serialization failure', '40001'],
    ['deadlock', '40P01'],
    ['too many connections', '53300'],
    ['a raised error', 'P0001'],
  ])('not: %s (%s)', async (_name, sqlstate) => {
    expect(isServerLostError(await errorOf(raise(env.db, sqlstate)))).toBe(false);
  });

  it('not: PostgreSQL not reachable (the statement never ran)', async () => {
    const url = new URL(env.databaseUrl);
    url.port = String(await freePort());
    const unreachable = createDatabase({ databaseUrl: url.toString(), poolSize: 1 });
    try {
      expect(isServerLostError(await errorOf(() => unreachable.$queryRawUnsafe('SELECT 1')))).toBe(false);
    } finally {
      await unreachable.$disconnect();
    }
  });
});

describe('permanent', () => {
  it.each([
    ['division by zero', 'SELECT 1/0'],
    ['a CHECK violation', "INSERT INTO bulk_operations (environment_id, name, kind, status, scope, keys, input, estimated_total_rows) VALUES (gen_random_uuid(), 'users.identify', 'users.identify', 'lost', 's', '{}', '{}', 0)"],
    ['a syntax error', 'SELEC 1'],
    ['an unknown column', 'SELECT no_such_column FROM bulk_operations'],
    ['invalid input', "SELECT 'not a uuid'::uuid"],
  ])('%s', async (_name, sql) => {
    expect(isTransientError(await errorOf(() => env.db.$queryRawUnsafe(sql)))).toBe(false);
  });

  it('an error raised by a function (P0001), and errors of our own code', async () => {
    expect(isTransientError(await errorOf(raise(env.db, 'P0001')))).toBe(false);
    expect(isTransientError(new Error('the operation has no preference input'))).toBe(false);
    expect(isTransientError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
    expect(isTransientError(null)).toBe(false);
    expect(isTransientError('ECONNRESET')).toBe(false);
  });
});

describe('describeError', () => {
  it("keeps PostgreSQL's message and SQLSTATE, not Prisma's invocation text", async () => {
    expect(describeError(await errorOf(() => env.db.$queryRawUnsafe('SELECT 1/0')))).toBe('division by zero (SQLSTATE 22012)');
    expect(describeError(new Error('plain'))).toBe('plain');
  });
});

describe('wrapped errors', () => {
  it('are judged and described by what they wrap', async () => {
    const deadlockLike = await errorOf(raise(env.db, '40P01'));
    const refused = await errorOf(raise(env.db, 'P0001'));
    expect(isTransientError(new Error('batch failed', { cause: deadlockLike }))).toBe(true);
    expect(isTransientError(new Error('batch failed', { cause: refused }))).toBe(false);
    expect(describeError(new Error('batch failed', { cause: refused }))).toBe('raised P0001 (SQLSTATE P0001)');
  });
});
