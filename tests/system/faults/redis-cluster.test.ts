import { createTestEnvironment, RedisClusterServers, waitFor, type TestEnvironment } from '@prefs/testing';
import type { BulkSetPreferencesInput } from '@prefs/core';
import {
  applyInOrder,
  expectCleanCounts,
  expectEveryUser,
  fault,
  FIRST_MERGE,
  parseBulkRequest,
  postBulk,
  readOperation,
  REPLACE_PREFERENCES,
  SECOND_MERGE,
  seedUsers,
  startApi,
  startWorker,
  stopEverything,
  userRange,
  variedInitialState,
  waitForStatus,
  type ApiHandle,
  type BulkRequest,
} from './support';

/**
 * Issue 11, item 5: a real three-master Redis Cluster (REDIS_URL=redis+cluster://...) carries the queue
 * and the rate limits. Bulk operations run end to end through it while the master holding the
 * deployment's hash slot is SIGKILLed and restarted; every operation still completes, once, in order.
 */
let env: TestEnvironment;
let cluster: RedisClusterServers;

beforeAll(async () => {
  cluster = await RedisClusterServers.start();
  env = await createTestEnvironment();
});

afterAll(async () => {
  await stopEverything();
  await cluster?.stop();
  await env?.cleanup();
});

const GROUPS = 6;
const USERS_PER_GROUP = 200;
const PREFERENCES = [REPLACE_PREFERENCES, FIRST_MERGE, SECOND_MERGE];

/** Operation n writes group n % GROUPS with one of three documents: overlapping operations, in order. */
function request(n: number): BulkRequest {
  const group = n % GROUPS;
  return {
    user_ids: userRange(`cluster-g${group}`, 0, USERS_PER_GROUP),
    preferences: { ...PREFERENCES[n % PREFERENCES.length], workflows: { [`op-${n}`]: n % 2 === 0 } },
  };
}

it('bulk operations through a Redis Cluster survive the queue master being killed and restarted mid-run', async () => {
  await fault(
    'SIGKILL of the Redis Cluster master holding the queue slot mid-run, restarted 3 s later (2 workers, 36 operations)',
    'every operation completed with exact counts, every user vs a clean run in acceptance order, keys all in one hash slot',
    async () => {
      const allUsers = Array.from({ length: GROUPS }, (_, group) => userRange(`cluster-g${group}`, 0, USERS_PER_GROUP)).flat();
      const initial = variedInitialState(allUsers);
      await seedUsers(env, initial);
      const options = { redisUrl: cluster.url, env: { RATE_LIMITS: '100,100,100,100,100', WORKER_CONCURRENCY: '2' } };
      const api: ApiHandle = await startApi(env, 'cluster-api', options);
      await startWorker(env, 'cluster-worker-1', options);
      await startWorker(env, 'cluster-worker-2', options);

      const queueMaster = await cluster.masterOf(`{${env.redisPrefix}}`);
      const sent: BulkSetPreferencesInput[] = [];
      const ids: string[] = [];
      const send = async (n: number) => {
        const body = request(n);
        const accepted = await postBulk(api, env, body);
        expect(accepted.status).toBe(200);
        sent.push(parseBulkRequest(body));
        ids.push(accepted.id);
      };

      // One after the other (acceptance order is the send order); the kill lands while operations run.
      for (let n = 0; n < 12; n += 1) await send(n);
      await waitFor(async () => (await readOperation(env, ids[2])).status === 'completed', 60_000);
      await cluster.killNode(queueMaster);
      const killedAt = Date.now();
      for (let n = 12; n < 24; n += 1) await send(n); // accepted while the slot is down
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 3000 - (Date.now() - killedAt))));
      await cluster.restartNode(queueMaster);
      for (let n = 24; n < 36; n += 1) await send(n);
      // Queue and rate-limit keys are all hash-tagged: every one on the queue's master, none elsewhere
      // (looked at right after the last POST: a rate-limit key expires a second or two after its use).
      const keysByMaster = await Promise.all(cluster.ports.map(async (port) => [port, await cluster.keysOn(port, `*${env.redisPrefix}*`)] as const));
      for (const [port, keys] of keysByMaster) {
        if (port === queueMaster) expect(keys.some((key) => key.includes(':ratelimit:'))).toBe(true);
        else expect(keys).toEqual([]);
      }

      const finished = await Promise.all(ids.map((id) => waitForStatus(env, id, ['completed', 'failed'], 120_000)));
      finished.forEach((operation) => expectCleanCounts(operation, USERS_PER_GROUP));
      const checked = await expectEveryUser(env, applyInOrder(initial, sent));
      const seqs = finished.map((operation) => operation.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      return `${finished.length} operations completed exactly, ${checked} users as a clean run in order; master :${queueMaster} killed and restarted`;
    },
  );
});
