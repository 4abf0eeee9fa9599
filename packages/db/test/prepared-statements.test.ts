import { useTestEnvironment } from '@prefs/testing';
import { claimOperation, createBulkOperation, createDatabase, setPreferencesOperation, writeOperationBatch, type Database } from '@prefs/db';

/**
 * The hot statements (record, claim, replace batch) are prepared once per connection, and reused: an
 * operation's whole life on one connection leaves exactly those named statements, and a second
 * operation adds none. Off (`preparedStatements: false`), nothing is prepared.
 */

const env = useTestEnvironment();

let created = 0;
async function runOneOperation(db: Database, strategy: 'replace' | 'merge'): Promise<void> {
  created += 1;
  const users = [`prepared-${created}-a`, `prepared-${created}-b`, `prepared-${created}-c`];
  const { operation } = await createBulkOperation(db, {
    environmentId: env.environmentId,
    operation: setPreferencesOperation({ userIds: users, setId: 'default', strategy, document: { channel_types: { email: created % 2 === 0 } } }),
    idempotencyKey: null,
    requestHash: `prepared-${created}`,
  });
  const claim = await claimOperation(db, operation.id, 60_000);
  if (claim.outcome !== 'claimed') throw new Error(`not claimed: ${claim.outcome}`);
  const result = await writeOperationBatch(db, claim.operation, 0, users.length, 60_000);
  expect(result).toMatchObject({ applied: true, completed: true, successCount: 3 });
}

/** The statements prepared on the (only) connection of `db`. */
async function preparedOn(db: Database): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ name: string }[]>('SELECT name FROM pg_prepared_statements ORDER BY name');
  return rows.map((row) => row.name);
}

test('record, claim and a replace batch are prepared once per connection and reused', async () => {
  const db = createDatabase({ databaseUrl: env.databaseUrl, poolSize: 1 });
  try {
    await runOneOperation(db, 'replace');
    const afterOne = await preparedOn(db);
    expect(afterOne).toHaveLength(3);
    for (const name of afterOne) expect(name).toMatch(/^prefs_[0-9a-f]{32}$/);

    await runOneOperation(db, 'replace');
    expect(await preparedOn(db)).toEqual(afterOne);

    // A merge batch is SQL compiled from its patch: it runs unnamed and prepares nothing more.
    await runOneOperation(db, 'merge');
    expect(await preparedOn(db)).toEqual(afterOne);
  } finally {
    await db.$disconnect();
  }
});

test('with preparedStatements false nothing is prepared, and the writes are the same', async () => {
  const db = createDatabase({ databaseUrl: env.databaseUrl, poolSize: 1, preparedStatements: false });
  try {
    await runOneOperation(db, 'replace');
    await runOneOperation(db, 'merge');
    expect(await preparedOn(db)).toEqual([]);
  } finally {
    await db.$disconnect();
  }
});
