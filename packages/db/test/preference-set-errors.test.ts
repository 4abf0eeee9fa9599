import { Client } from 'pg';
import { PREFERENCE_SET_SIZE_CHECK, PREFERENCE_SETS_PER_RECIPIENT_CHECK, violatesConstraint } from '../src/preference-set-errors';
import { errorOf, useTestEnvironment } from '@prefs/testing';

/**
 * violatesConstraint knows a refusal by its constraint as the errors really arrive: through Prisma and its
 * adapter, straight from pg, and wrapped in another error; and names only the constraint that refused.
 */
const env = useTestEnvironment();


const OVERSIZED = `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
  SELECT $1::uuid, '$users', 'oversized', 'default', jsonb_build_object('workflows', (SELECT jsonb_object_agg('w' || n, true) FROM generate_series(1, 10000) AS n))`;

it('the size CHECK, through Prisma and its adapter, through pg, and wrapped', async () => {
  const throughPrisma = await errorOf(() => env.db.$executeRawUnsafe(OVERSIZED, env.environmentId));
  expect(violatesConstraint(throughPrisma, PREFERENCE_SET_SIZE_CHECK)).toBe(true);
  expect(violatesConstraint(new Error('the batch failed', { cause: throughPrisma }), PREFERENCE_SET_SIZE_CHECK)).toBe(true);
  expect(violatesConstraint(throughPrisma, PREFERENCE_SETS_PER_RECIPIENT_CHECK)).toBe(false);

  const client = new Client({ connectionString: env.databaseUrl });
  await client.connect();
  try {
    const throughPg = await errorOf(() => client.query(OVERSIZED, [env.environmentId]));
    expect((throughPg as { constraint?: string }).constraint).toBe(PREFERENCE_SET_SIZE_CHECK);
    expect(violatesConstraint(throughPg, PREFERENCE_SET_SIZE_CHECK)).toBe(true);
  } finally {
    await client.end();
  }
});

it('the refusal of a set past the recipient limit (prefs_refuse_preference_set_over_limit)', async () => {
  const refused = await errorOf(() => env.db.$queryRawUnsafe('SELECT prefs_refuse_preference_set_over_limit(3)'));
  expect(violatesConstraint(refused, PREFERENCE_SETS_PER_RECIPIENT_CHECK)).toBe(true);
  expect(violatesConstraint(refused, PREFERENCE_SET_SIZE_CHECK)).toBe(false);
});

it('is false for other errors and for what is not an error', async () => {
  const other = await errorOf(() => env.db.$queryRawUnsafe('SELECT 1 / 0'));
  expect(violatesConstraint(other, PREFERENCE_SET_SIZE_CHECK)).toBe(false);
  expect(violatesConstraint(null, PREFERENCE_SET_SIZE_CHECK)).toBe(false);
  expect(violatesConstraint('preference_sets_size', PREFERENCE_SET_SIZE_CHECK)).toBe(false);
});
