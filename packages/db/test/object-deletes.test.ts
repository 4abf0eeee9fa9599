import { useTestEnvironment } from '@prefs/testing';
import { TRANSACTION_OPTIONS } from '../src/client';
import { DELETE_CHUNK_ROWS } from '../src/chunked-deletes';
import { deleteObject, DELETE_OBJECT_CHUNK } from '../src/recipient-deletes';

/**
 * An object's subscriptions (as the object and as a subscriber) go chunk after chunk, each found by an
 * index, before its own row: a scan would read every subscription of the environment each time.
 */
const env = useTestEnvironment();

it('a chunk of an object delete finds its subscribers and its subscriptions through the indexes, by the object', async () => {
  // Subscriptions of many objects, and of many subscribing objects, so that the planner weighs the object's id.
  await env.db.$executeRawUnsafe(
    `INSERT INTO subscriptions (environment_id, object_collection, object_id, recipient_collection, recipient_id)
     SELECT $1::uuid, 'rooms', 'r' || (n % 1000), 'rooms', 's' || (n % 997) FROM generate_series(1, 20000) AS n ON CONFLICT DO NOTHING`,
    env.environmentId,
  );
  await env.db.$executeRawUnsafe('ANALYZE subscriptions');
  const plan = await env.db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET LOCAL plan_cache_mode = force_generic_plan');
    await tx.$executeRawUnsafe(`PREPARE object_chunk AS ${DELETE_OBJECT_CHUNK}`);
    try {
      const rows = await tx.$queryRawUnsafe<{ 'QUERY PLAN': unknown }[]>(`EXPLAIN (FORMAT JSON) EXECUTE object_chunk('${env.environmentId}', 'rooms', 'r1', 5000)`);
      return JSON.stringify(rows[0]['QUERY PLAN']);
    } finally {
      await tx.$executeRawUnsafe('DEALLOCATE object_chunk');
    }
  }, TRANSACTION_OPTIONS);
  expect(plan).toMatch(/"Index Cond":"[^"]*object_collection = \$2\) AND \(object_id = ANY/);
  expect(plan).toMatch(/"Index Cond":"[^"]*recipient_collection = \$2\) AND \(recipient_id = ANY/);
  await env.db.$executeRawUnsafe('DELETE FROM subscriptions');
});

it(`deletes an object with more than ${DELETE_CHUNK_ROWS} subscribers and subscriptions, leaving another object's`, async () => {
  const many = DELETE_CHUNK_ROWS * 2 + 17;
  await env.db.$executeRawUnsafe(
    `INSERT INTO subscriptions (environment_id, object_collection, object_id, recipient_collection, recipient_id)
     SELECT $1::uuid, 'rooms', room, '$users', 'u' || n FROM generate_series(1, $2::int) AS n, unnest(ARRAY['r1', 'r2']) AS room
     UNION ALL SELECT $1::uuid, 'teams', 't' || n, 'rooms', 'r1' FROM generate_series(1, $2::int) AS n`,
    env.environmentId,
    many,
  );
  await env.db.$executeRawUnsafe(`INSERT INTO objects (environment_id, collection, id) VALUES ($1::uuid, 'rooms', 'r1'), ($1::uuid, 'rooms', 'r2')`, env.environmentId);
  await deleteObject(env.db, env.environmentId, 'rooms', 'r1');
  const left = await env.db.$queryRawUnsafe<{ object_id: string; count: bigint }[]>(
    "SELECT object_id, count(*) AS count FROM subscriptions WHERE 'r1' IN (object_id, recipient_id) OR object_id = 'r2' GROUP BY object_id",
  );
  expect(left.map((row) => [row.object_id, Number(row.count)])).toEqual([['r2', many]]);
  expect(await env.db.$queryRawUnsafe(`SELECT id FROM objects WHERE collection = 'rooms'`)).toEqual([{ id: 'r2' }]);
});
