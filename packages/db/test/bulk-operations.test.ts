import { useTestEnvironment, userIds } from '@prefs/testing';
import type { BulkSetPreferencesInput, PreferenceDocument } from '@prefs/core';
import {
  claimOperation,
  completeBulkOperation,
  createBulkOperation,
  findBlockingOperation,
  identifyUsersOperation,
  reclaimOperation,
  setPreferencesOperation,
  setTenantsOperation,
  writeOperationBatch,
  type NewBulkOperation,
} from '@prefs/db';
import { InvalidOperationInputError } from '../src/kinds/errors';
// The claim as stored, keys included (the worker's claim leaves them in the row for preference kinds).
import { claimBulkOperation } from '../src/operations/lifecycle';

/** The operation queries on their own, against a real database. */
const env = useTestEnvironment();

let created = 0;
async function record(ids: string[], setId = 'default', strategy: 'replace' | 'merge' = 'replace', document: PreferenceDocument = { commercial_subscribed: true }) {
  const input: BulkSetPreferencesInput = { userIds: [...ids].sort(), setId, strategy, document };
  created += 1;
  const { operation } = await createBulkOperation(env.db, {
    environmentId: env.environmentId,
    operation: setPreferencesOperation(input),
    idempotencyKey: null,
    requestHash: `hash-${created}`,
  });
  return operation.id;
}

describe('createBulkOperation', () => {
  it('stores the user ids in the order given', async () => {
    const ids = ['b', 'a"quoted', 'c\\slash', 'd,comma', 'é'];
    const id = await record(ids);
    const claimed = await claimBulkOperation(env.db, id, 30_000);
    expect(claimed?.keys).toEqual([...ids].sort());
    await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET status = 'completed' WHERE id = $1::uuid`, id);
  });
});

describe('the kind of an operation', () => {
  async function recordedKind(operation: NewBulkOperation): Promise<{ name: string; strategy: string | null; kind: string }> {
    created += 1;
    const { operation: recorded } = await createBulkOperation(env.db, { environmentId: env.environmentId, operation, idempotencyKey: null, requestHash: `hash-${created}` });
    const [row] = await env.db.$queryRawUnsafe<{ name: string; strategy: string | null; kind: string }[]>(
      'SELECT name, strategy, kind FROM bulk_operations WHERE id = $1::uuid',
      recorded.id,
    );
    await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET status = 'completed' WHERE id = $1::uuid`, recorded.id);
    return row;
  }

  it('is stored beside its name (and strategy) as the one id of the kind that writes it', async () => {
    const preferences = (strategy: 'replace' | 'merge') => setPreferencesOperation({ userIds: ['kind-user'], setId: 'kind-set', strategy, document: {} });
    expect(await recordedKind(preferences('replace'))).toEqual({ name: 'users.set_preferences', strategy: 'replace', kind: 'users.set_preferences:replace' });
    expect(await recordedKind(preferences('merge'))).toEqual({ name: 'users.set_preferences', strategy: 'merge', kind: 'users.set_preferences:merge' });
    expect(await recordedKind(setTenantsOperation([{ id: 'kind-tenant', properties: {} }]))).toEqual({ name: 'tenants.set', strategy: null, kind: 'tenants.set' });
    expect(await recordedKind(identifyUsersOperation([{ id: 'kind-user', properties: {} }]))).toEqual({ name: 'users.identify', strategy: null, kind: 'users.identify' });
  });

  it('parses the stored input once, at the claim: a malformed one is an InvalidOperationInputError naming the field', async () => {
    created += 1;
    const { operation } = await createBulkOperation(env.db, {
      environmentId: env.environmentId,
      operation: setTenantsOperation([{ id: 'parsed-a', properties: {} }, { id: 'parsed-b', properties: {} }]),
      idempotencyKey: null,
      requestHash: `hash-${created}`,
    });
    await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET input = jsonb_set(input, '{items,parsed-b,0,id}', '"parsed-c"') WHERE id = $1::uuid`, operation.id);
    const error = await claimOperation(env.db, operation.id, 30_000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidOperationInputError);
    expect((error as InvalidOperationInputError).errors.map((field) => field.field)).toEqual(['input.items.parsed-b']);
    await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET status = 'completed' WHERE id = $1::uuid`, operation.id);
  });
});

describe('findBlockingOperation', () => {
  it('names the earliest unfinished earlier operation sharing a user in the same set, and nothing else', async () => {
    const first = await record(userIds(1000, 'block-a'));
    const disjoint = await record(userIds(1000, 'block-b'));
    const otherSet = await record(userIds(1000, 'block-a'), 'tenant-1');
    const overlapping = await record(['block-b-00999', 'block-a-00500']);

    expect(await findBlockingOperation(env.db, first)).toBeNull();
    expect(await findBlockingOperation(env.db, disjoint)).toBeNull();
    expect(await findBlockingOperation(env.db, otherSet)).toBeNull();
    expect(await findBlockingOperation(env.db, overlapping)).toBe(first);

    // Once the earlier ones have ended, nothing blocks.
    for (const id of [first, disjoint]) {
      await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET status = 'completed' WHERE id = $1::uuid`, id);
    }
    expect(await findBlockingOperation(env.db, overlapping)).toBeNull();
    expect(await findBlockingOperation(env.db, '00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('skips operations whose key ranges do not meet, compares in byte order, and compares key by key without a range', async () => {
    const low = await record(['range-a-1', 'range-a-2']);
    const high = await record(['range-c-1', 'range-c-2']);
    // Between the two ranges, and meeting neither: nothing to wait for.
    const between = await record(['range-b-1', 'range-b-2']);
    expect(await findBlockingOperation(env.db, between)).toBeNull();
    // Spanning both ranges without sharing a key: compared key by key, still nothing.
    const spanning = await record(['range-a-3', 'range-c-3']);
    expect(await findBlockingOperation(env.db, spanning)).toBeNull();
    // Byte order: 'é' (0xC3) sorts after 'z', whatever the database's collation says.
    const accented = await record(['éclair']);
    const sharing = await record(['eclair', 'zebra', 'éclair']);
    expect(await findBlockingOperation(env.db, sharing)).toBe(accented);
    // An operation recorded before the ranges existed is compared key by key.
    await env.db.$executeRawUnsafe('UPDATE bulk_operations SET first_key = NULL, last_key = NULL WHERE id = $1::uuid', high);
    const late = await record(['range-c-2']);
    expect(await findBlockingOperation(env.db, late)).toBe(high);
    for (const id of [low, high, between, spanning, accented, sharing, late]) {
      await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET status = 'completed' WHERE id = $1::uuid`, id);
    }
  });
});

describe('writeOperationBatch, preferences merge', () => {
  it('merges into stored sets and creates missing ones, and applies a batch once', async () => {
    const ids = ['merge-1', 'merge-2', 'merge-3'];
    await env.db.$executeRawUnsafe(
      `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
       VALUES ($1::uuid, '$users', 'merge-1', 'default', '{"categories": {"a": true, "b": false}, "channels": {"x": true}}'),
              ($1::uuid, '$users', 'merge-2', 'default', '"not an object"')`,
      env.environmentId,
    );
    const id = await record(ids, 'default', 'merge', { categories: { b: true, c: { channel_types: { email: false } } }, channels: null });
    const operation = await reclaimOperation(env.db, id, 30_000);
    if (!operation) throw new Error('not claimed');

    const result = await writeOperationBatch(env.db, operation, 0, operation.totalRows, 30_000);
    expect(result).toEqual({ applied: true, completed: true, successCount: 2, errorItems: [{ id: 'merge-2', collection: null, reason: 'stored_set_not_object' }] });
    const again = await writeOperationBatch(env.db, operation, 0, operation.totalRows, 30_000);
    expect(again.applied).toBe(false);
    // The last batch completed the operation in its own statement.
    expect(await completeBulkOperation(env.db, id)).toBe(false);
    const [status] = await env.db.$queryRawUnsafe<{ status: string; completed: boolean }[]>(
      'SELECT status, completed_at IS NOT NULL AS completed FROM bulk_operations WHERE id = $1::uuid',
      id,
    );
    expect(status).toEqual({ status: 'completed', completed: true });

    const rows = await env.db.$queryRawUnsafe<{ user_id: string; preferences: unknown }[]>(
      `SELECT recipient_id AS user_id, preferences FROM preference_sets WHERE environment_id = $1::uuid AND recipient_id LIKE 'merge-%' ORDER BY recipient_id`,
      env.environmentId,
    );
    expect(rows).toEqual([
      { user_id: 'merge-1', preferences: { categories: { a: true, b: true, c: { channel_types: { email: false } } } } },
      { user_id: 'merge-2', preferences: 'not an object' },
      { user_id: 'merge-3', preferences: { categories: { b: true, c: { channel_types: { email: false } } } } },
    ]);
    const progress = await env.db.$queryRawUnsafe<{ processed_rows: number; success_count: number; error_count: number }[]>(
      'SELECT processed_rows, success_count, error_count FROM bulk_operations WHERE id = $1::uuid',
      id,
    );
    expect(progress[0]).toEqual({ processed_rows: 3, success_count: 2, error_count: 1 });
  });
});

describe('the replace hot path', () => {
  it('claims without loading the keys, and writes each batch from the keys stored in the row', async () => {
    const ids = userIds(25, 'row-keys');
    const id = await record(ids, 'default', 'replace', { categories: { news: false } });
    const claim = await claimOperation(env.db, id, 30_000);
    if (claim.outcome !== 'claimed') throw new Error(`not claimed: ${claim.outcome}`);
    expect(claim.operation.keys).toEqual([]);

    const first = await writeOperationBatch(env.db, claim.operation, 0, 10, 30_000);
    expect(first).toEqual({ applied: true, completed: false, successCount: 10, errorItems: [] });
    expect(await writeOperationBatch(env.db, claim.operation, 10, 15, 30_000)).toMatchObject({ applied: true, completed: true });
    const rows = await env.db.$queryRawUnsafe<{ user_id: string }[]>(
      `SELECT recipient_id AS user_id FROM preference_sets WHERE environment_id = $1::uuid AND recipient_id LIKE 'row-keys-%' AND preferences = '{"categories": {"news": false}}' ORDER BY recipient_id`,
      env.environmentId,
    );
    expect(rows.map((row) => row.user_id)).toEqual(ids);
  });

  it('does not claim an operation while an earlier overlapping one is unfinished, and names it', async () => {
    const earlier = await record(userIds(10, 'claim-order'));
    const later = await record(['claim-order-00003', 'claim-order-zzz']);
    expect(await claimOperation(env.db, later, 30_000)).toEqual({ outcome: 'blocked', blockedBy: earlier });
    const [row] = await env.db.$queryRawUnsafe<{ status: string }[]>('SELECT status FROM bulk_operations WHERE id = $1::uuid', later);
    expect(row.status).toBe('queued');
    await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET status = 'completed' WHERE id = $1::uuid`, earlier);
    expect(await claimOperation(env.db, later, 30_000)).toMatchObject({ outcome: 'claimed' });
    await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET status = 'completed' WHERE id = $1::uuid`, later);
    expect(await claimOperation(env.db, later, 30_000)).toEqual({ outcome: 'finished' });
  });
});
