import { useTestEnvironment } from '@prefs/testing';
import { TRANSACTION_OPTIONS } from '../src/client';
import { DELETE_TENANT_CHUNK } from '../src/tenant-deletes';

/** A tenant's rows are found by index, chunk after chunk: a scan would read every set of the environment each time. */
const env = useTestEnvironment();

it('a chunk of a tenant delete finds its sets and memberships through the partial indexes', async () => {
  const plan = await env.db.$transaction(async (tx) => {
    // Tables this small are scanned whatever the indexes: forbid scans to see which index the planner can
    // use, in the generic plan a prepared statement settles on (the tenant id unknown when planned).
    await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
    await tx.$executeRawUnsafe('SET LOCAL plan_cache_mode = force_generic_plan');
    await tx.$executeRawUnsafe(`PREPARE tenant_chunk AS ${DELETE_TENANT_CHUNK}`);
    try {
      const rows = await tx.$queryRawUnsafe<{ 'QUERY PLAN': unknown }[]>(`EXPLAIN (FORMAT JSON) EXECUTE tenant_chunk('${env.environmentId}', 'acme', 5000)`);
      return JSON.stringify(rows[0]['QUERY PLAN']);
    } finally {
      await tx.$executeRawUnsafe('DEALLOCATE tenant_chunk');
    }
  }, TRANSACTION_OPTIONS);
  expect(plan).toContain('"Index Name":"preference_sets_tenant_sets_idx"');
  expect(plan).toContain('"Index Name":"audience_members_tenant_idx"');
});
