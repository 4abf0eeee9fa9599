import { userRecipient } from '@prefs/core';
import { useTestEnvironment, userIds } from '@prefs/testing';
import {
  claimOperation,
  createBulkOperation,
  createWebhookEndpoint,
  deletePreferenceSet,
  failBulkOperation,
  putPreferenceSet,
  setPreferencesOperation,
  updateWebhookEndpoint,
  writeOperationBatch,
} from '@prefs/db';
import { takeDueDeliveries } from '../src/webhooks/deliveries';
import { webhookEventBody } from '../src/webhooks/events';
import { recordWebhookEvent } from '../src/webhooks/outbox';

/**
 * The outbox: an operation that ends records its event in the statement that ends it, with one pending
 * delivery per enabled endpoint wanting that type, and nothing when none does; the event renders as the
 * API's BulkOperation.
 */
const env = useTestEnvironment();

let created = 0;
async function operationOf(environmentId: string, count: number) {
  created += 1;
  const { operation } = await createBulkOperation(env.db, {
    environmentId,
    operation: setPreferencesOperation({ userIds: userIds(count, `outbox-${created}`), setId: 'default', strategy: 'replace', document: { commercial_subscribed: true } }),
    idempotencyKey: null,
    requestHash: `hash-${created}`,
  });
  return operation.id;
}

async function runToEnd(id: string, batchSize: number) {
  const claim = await claimOperation(env.db, id, 30_000);
  if (claim.outcome !== 'claimed') throw new Error(`not claimed: ${claim.outcome}`);
  for (let start = 0; start < claim.operation.totalRows; start += batchSize) {
    await writeOperationBatch(env.db, claim.operation, start, Math.min(batchSize, claim.operation.totalRows - start), 30_000);
  }
}

const events = (environmentId: string) =>
  env.db.$queryRawUnsafe<{ id: string; type: string; deliveries: number }[]>(
    `SELECT ev.id, ev.type, (SELECT count(*)::int FROM webhook_deliveries d WHERE d.event_id = ev.id) AS deliveries
     FROM webhook_events ev WHERE ev.environment_id = $1::uuid ORDER BY ev.created_at, ev.id`,
    environmentId,
  );

it('records nothing for an environment without an endpoint wanting the event', async () => {
  const { environmentId } = await env.createEnvironment('no-endpoints');
  await createWebhookEndpoint(env.db, environmentId, { url: 'http://127.0.0.1:9/x', events: ['preference_set.updated'], description: null });
  await runToEnd(await operationOf(environmentId, 3), 2);
  expect(await events(environmentId)).toEqual([]);
});

it('records bulk_operation.completed with the last batch, one delivery per enabled endpoint wanting it', async () => {
  const { environmentId } = await env.createEnvironment('completed');
  const wanting = await createWebhookEndpoint(env.db, environmentId, { url: 'http://127.0.0.1:9/a', events: ['bulk_operation.completed'], description: null });
  await createWebhookEndpoint(env.db, environmentId, { url: 'http://127.0.0.1:9/b', events: ['bulk_operation.completed', 'bulk_operation.failed'], description: null });
  const disabled = await createWebhookEndpoint(env.db, environmentId, { url: 'http://127.0.0.1:9/c', events: ['bulk_operation.completed'], description: null });
  await updateWebhookEndpoint(env.db, environmentId, disabled!.id, { enabled: false });
  const id = await operationOf(environmentId, 5);
  await runToEnd(id, 2);
  expect(await events(environmentId)).toEqual([{ id: expect.stringMatching(/^msg_[0-9a-f]{32}$/), type: 'bulk_operation.completed', deliveries: 2 }]);

  const [due] = await takeDueDeliveries(env.db, wanting!.id, 10, 30_000);
  const body = JSON.parse(webhookEventBody(due));
  expect(body).toEqual({
    type: 'bulk_operation.completed',
    timestamp: due.eventAt.toISOString(),
    data: expect.objectContaining({ __typename: 'BulkOperation', id, status: 'completed', processed_rows: 5, success_count: 5, completed_at: expect.any(String) }),
  });
  expect(body.data.progress_path).toBe(`/v1/bulk_operations/${id}`);
  // Taken: not due again while its lease runs.
  expect(await takeDueDeliveries(env.db, wanting!.id, 10, 30_000)).toEqual([]);
});

it('records bulk_operation.failed when an operation fails, once however often it is failed', async () => {
  const { environmentId } = await env.createEnvironment('failed');
  await createWebhookEndpoint(env.db, environmentId, { url: 'http://127.0.0.1:9/a', events: ['bulk_operation.failed'], description: null });
  const id = await operationOf(environmentId, 2);
  expect(await failBulkOperation(env.db, id, 'test')).toBe(true);
  expect(await failBulkOperation(env.db, id, 'again')).toBe(false);
  expect(await events(environmentId)).toEqual([{ id: expect.any(String), type: 'bulk_operation.failed', deliveries: 1 }]);
});

it('records an event in the caller\'s transaction, and none when it rolls back', async () => {
  const { environmentId } = await env.createEnvironment('transaction');
  await createWebhookEndpoint(env.db, environmentId, { url: 'http://127.0.0.1:9/a', events: ['preference_set.updated'], description: null });
  await expect(
    env.db.$transaction(async (tx) => {
      await recordWebhookEvent(tx, environmentId, 'preference_set.updated', { set_id: 'rolled-back' });
      throw new Error('roll back');
    }),
  ).rejects.toThrow('roll back');
  await recordWebhookEvent(env.db, environmentId, 'preference_set.updated', { set_id: 'kept' });
  expect(await events(environmentId)).toEqual([{ id: expect.any(String), type: 'preference_set.updated', deliveries: 1 }]);
});

it('records preference_set.updated for a write that changes the set, and .deleted for a delete, with who did it', async () => {
  const { environmentId } = await env.createEnvironment('sets');
  const hook = await createWebhookEndpoint(env.db, environmentId, { url: 'http://127.0.0.1:9/a', events: ['preference_set.updated', 'preference_set.deleted'], description: null });
  const by = { source: 'api', actor: 'sk_test_1234' };
  await putPreferenceSet(env.db, environmentId, userRecipient('u1'), 'default', 'replace', { channel_types: { email: true } }, {}, by);
  await putPreferenceSet(env.db, environmentId, userRecipient('u1'), 'default', 'merge', { channel_types: { email: true } }, {}, by);
  await putPreferenceSet(env.db, environmentId, userRecipient('u1'), 'default', 'merge', { channel_types: { sms: false } }, { setsPerRecipient: 5 }, by);
  // Without a source (a path that records nothing yet), and a delete of a set that is not there: no event.
  await putPreferenceSet(env.db, environmentId, userRecipient('u1'), 'other', 'replace', { commercial_subscribed: false });
  expect(await deletePreferenceSet(env.db, environmentId, userRecipient('u1'), 'missing', by)).toBe(false);
  expect(await deletePreferenceSet(env.db, environmentId, userRecipient('u1'), 'default', { source: 'browser', actor: 'u1' })).toBe(true);

  // Events of one millisecond have no order between them: compared as sets.
  expect((await events(environmentId)).map((event) => event.type).sort()).toEqual(['preference_set.deleted', 'preference_set.updated', 'preference_set.updated']);
  const bodies = (await takeDueDeliveries(env.db, hook!.id, 10, 30_000)).map((due) => JSON.parse(webhookEventBody(due)).data);
  const set = (document: object) => ({ __typename: 'PreferenceSet', id: 'default', categories: null, workflows: null, channel_types: null, channels: null, commercial_subscribed: null, ...document });
  expect(bodies).toHaveLength(3);
  expect(bodies).toEqual(expect.arrayContaining([
    { recipient: { id: 'u1', collection: null }, set_id: 'default', preference_set: set({ channel_types: { email: true } }), source: 'api', actor: 'sk_test_1234' },
    { recipient: { id: 'u1', collection: null }, set_id: 'default', preference_set: set({ channel_types: { email: true, sms: false } }), source: 'api', actor: 'sk_test_1234' },
    { recipient: { id: 'u1', collection: null }, set_id: 'default', preference_set: set({ channel_types: { email: true, sms: false } }), source: 'browser', actor: 'u1' },
  ]));
  // An object's set names its collection.
  await putPreferenceSet(env.db, environmentId, { collection: 'projects', id: 'p1' }, 'default', 'replace', { commercial_subscribed: true }, {}, by);
  const [objectEvent] = await takeDueDeliveries(env.db, hook!.id, 10, 30_000);
  expect(JSON.parse(webhookEventBody(objectEvent)).data.recipient).toEqual({ id: 'p1', collection: 'projects' });
});
