import { Webhook } from 'standardwebhooks';
import { createBulkOperation, createWebhookEndpoint, failBulkOperation, rotateWebhookSecret, setPreferencesOperation } from '@prefs/db';
import { waitFor, WebhookReceiver } from '@prefs/testing';
import { createWorker } from '../src/worker';
import { useWorkerTestContext } from './worker-test-context';

/**
 * Delivery by the worker: events signed as Standard Webhooks (verified by the `standardwebhooks`
 * package), retried with the same webhook-id until a 2xx, a 410 disabling the endpoint, a hanging
 * endpoint never delaying another, both secrets signing after a rotation, and private addresses refused
 * at delivery when not allowed.
 */
const WEBHOOKS = { allowPrivate: true, endpointConcurrency: 8, perEndpoint: 4, dispatchIntervalMs: 50, retryScheduleMs: [200, 200, 200], timeoutMs: 2000 };
const t = useWorkerTestContext({ config: { webhooks: WEBHOOKS } });
const receiver = new WebhookReceiver();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());

let created = 0;
/** An operation recorded and failed at once: its bulk_operation.failed event is the one to deliver. */
async function failedOperation(environmentId: string): Promise<string> {
  created += 1;
  const { operation } = await createBulkOperation(t.env.db, {
    environmentId,
    operation: setPreferencesOperation({ userIds: [`w-${created}`], setId: 'default', strategy: 'replace', document: { commercial_subscribed: true } }),
    idempotencyKey: null,
    requestHash: `w-${created}`,
  });
  await failBulkOperation(t.env.db, operation.id, 'test');
  return operation.id;
}

async function endpoint(path: string, url = `${receiver.url}${path}`) {
  const { environmentId } = await t.env.createEnvironment(`hooks${path.replace(/\W/g, '-')}`);
  const created = await createWebhookEndpoint(t.env.db, environmentId, { url, events: ['bulk_operation.failed', 'bulk_operation.completed'], description: null });
  if (!created) throw new Error('no endpoint');
  return { environmentId, endpoint: created };
}

const deliveries = (endpointId: string) =>
  t.env.db.$queryRawUnsafe<{ status: string; attempt_count: number; attempts: { status_code: number | null; error: string | null }[] }[]>(
    `SELECT status, attempt_count, attempts FROM webhook_deliveries WHERE endpoint_id = $1::uuid ORDER BY created_at`,
    endpointId,
  );

it('sends an event signed as Standard Webhooks specifies, its body { type, timestamp, data }', async () => {
  const { environmentId, endpoint: hook } = await endpoint('/signed');
  receiver.secrets = [hook.secret];
  const id = await failedOperation(environmentId);
  const arrived = await waitFor(async () => receiver.received.find((webhook) => webhook.path === '/signed'));
  expect(arrived.id).toMatch(/^msg_[0-9a-f]{32}$/);
  expect(arrived.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  expect(Math.abs(Number(arrived.timestamp) - Date.now() / 1000)).toBeLessThan(30);
  // Verified by the standard's own implementation, and refused by it under another secret.
  const headers = { 'webhook-id': arrived.id, 'webhook-timestamp': arrived.timestamp, 'webhook-signature': arrived.signature };
  expect(new Webhook(hook.secret).verify(arrived.body, headers)).toMatchObject({ type: 'bulk_operation.failed' });
  expect(() => new Webhook(`whsec_${Buffer.from('another secret of 24 bytes!').toString('base64')}`).verify(arrived.body, headers)).toThrow();
  expect(arrived.payload).toEqual({
    type: 'bulk_operation.failed',
    timestamp: expect.any(String),
    data: expect.objectContaining({ __typename: 'BulkOperation', id, status: 'failed', failed_at: expect.any(String) }),
  });
  await waitFor(async () => (await deliveries(hook.id))[0]?.status === 'succeeded');
  expect((await deliveries(hook.id))[0]).toMatchObject({ attempt_count: 1, attempts: [{ status_code: 200, error: null }] });
});

it('retries a failed attempt with the same webhook-id until a 2xx, and gives up when the schedule runs out', async () => {
  const { environmentId, endpoint: hook } = await endpoint('/flaky');
  receiver.secrets = [hook.secret];
  receiver.answer = ({ path, attempt }) => (path === '/flaky' && attempt < 3 ? 503 : path === '/down' ? 500 : 200);
  await failedOperation(environmentId);
  await waitFor(async () => (await deliveries(hook.id))[0]?.status === 'succeeded', 15_000);
  const sent = receiver.received.filter((webhook) => webhook.path === '/flaky');
  expect(sent.map((webhook) => webhook.status)).toEqual([503, 503, 200]);
  expect(new Set(sent.map((webhook) => webhook.id)).size).toBe(1);
  expect(sent.every((webhook) => webhook.payload !== null)).toBe(true);
  // The first retry waited its scheduled 200 ms (less at most 20% jitter).
  expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(150);
  expect((await deliveries(hook.id))[0].attempts.map((attempt) => attempt.status_code)).toEqual([503, 503, 200]);

  const down = await endpoint('/down');
  receiver.secrets = [down.endpoint.secret];
  await failedOperation(down.environmentId);
  await waitFor(async () => (await deliveries(down.endpoint.id))[0]?.status === 'failed', 15_000);
  expect((await deliveries(down.endpoint.id))[0].attempt_count).toBe(4);
  receiver.answer = () => 200;
});

it('disables an endpoint that answers 410', async () => {
  const { environmentId, endpoint: hook } = await endpoint('/gone');
  receiver.answer = ({ path }) => (path === '/gone' ? 410 : 200);
  await failedOperation(environmentId);
  await waitFor(async () => (await deliveries(hook.id))[0]?.status === 'failed');
  const [stored] = await t.env.db.$queryRawUnsafe<{ enabled: boolean; disabled_reason: string }[]>(`SELECT enabled, disabled_reason FROM webhook_endpoints WHERE id = $1::uuid`, hook.id);
  expect(stored).toEqual({ enabled: false, disabled_reason: 'gone' });
  // Disabled: a later change records nothing for it.
  await failedOperation(environmentId);
  expect(await deliveries(hook.id)).toHaveLength(1);
  receiver.answer = () => 200;
});

it('never lets an endpoint that does not answer delay another', async () => {
  const slow = await endpoint('/hang');
  const fast = await endpoint('/fast');
  receiver.answer = ({ path }) => (path === '/hang' ? 'hang' : 200);
  for (let index = 0; index < 8; index += 1) await failedOperation(slow.environmentId);
  await waitFor(async () => receiver.received.filter((webhook) => webhook.path === '/hang').length >= 4);
  const started = Date.now();
  for (let index = 0; index < 5; index += 1) await failedOperation(fast.environmentId);
  await waitFor(async () => receiver.received.filter((webhook) => webhook.path === '/fast').length >= 5, 10_000);
  // Well within the hanging endpoint's 2 s timeout.
  expect(Date.now() - started).toBeLessThan(1500);
  const timedOut = await waitFor(async () => (await deliveries(slow.endpoint.id)).find((delivery) => delivery.attempt_count > 0), 10_000);
  expect(timedOut.attempts[0]).toEqual(expect.objectContaining({ status_code: null, error: 'no answer within 2000 ms' }));
  receiver.answer = () => 200;
});

it('signs with both secrets for a day after a rotation', async () => {
  const { environmentId, endpoint: hook } = await endpoint('/rotated');
  const rotated = await rotateWebhookSecret(t.env.db, environmentId, hook.id);
  await failedOperation(environmentId);
  const arrived = await waitFor(async () => receiver.received.find((webhook) => webhook.path === '/rotated'));
  const headers = { 'webhook-id': arrived.id, 'webhook-timestamp': arrived.timestamp, 'webhook-signature': arrived.signature };
  expect(arrived.signature.split(' ')).toHaveLength(2);
  for (const secret of [hook.secret, rotated!.secret]) expect(new Webhook(secret).verify(arrived.body, headers)).toMatchObject({ type: 'bulk_operation.failed' });
});

it('counts deliveries by outcome in the worker\'s metrics', async () => {
  const text = await t.worker.metrics.registry.metrics();
  expect(text).toMatch(/prefs_webhook_deliveries_total\{outcome="succeeded",service="worker"\} [1-9]/);
  expect(text).toMatch(/prefs_webhook_deliveries_total\{outcome="retry",service="worker"\} [1-9]/);
  expect(text).toMatch(/prefs_webhook_deliveries_total\{outcome="failed",service="worker"\} [1-9]/);
  expect(text).toMatch(/prefs_webhook_delivery_delay_seconds_count\{service="worker"\} [1-9]/);
});

it('refuses a private address at delivery when private addresses are not allowed', async () => {
  // An endpoint registered while allowed (or whose name moved since): judged again when sent.
  const strict = t.env.workerConfig({ batchSize: 100, webhooks: { ...WEBHOOKS, allowPrivate: false } });
  const { environmentId, endpoint: hook } = await endpoint('/private');
  await t.worker.close();
  t.worker = createWorker(strict, { db: t.env.db });
  await t.worker.start();
  await failedOperation(environmentId);
  const attempted = await waitFor(async () => (await deliveries(hook.id)).find((delivery) => delivery.attempt_count > 0), 10_000);
  expect(attempted.attempts[0].error).toMatch(/^refused: 127\.0\.0\.1 is a loopback or private address/);
  expect(receiver.received.filter((webhook) => webhook.path === '/private')).toEqual([]);
});
