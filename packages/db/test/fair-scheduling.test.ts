import { useTestEnvironment } from '@prefs/testing';
import {
  claimNextOperationOf,
  claimOperation,
  createBulkOperation,
  listEnvironmentQueues,
  reclaimOperation,
  releaseLease,
  setPreferencesOperation,
  setSchedulingWeight,
} from '@prefs/db';

/**
 * The fair claim against a real database: a job of an environment better served than another with
 * operations waiting is told to yield to it; the other environment's oldest waiting operation is then
 * claimed under the first job's lease, which its own job respects; weights change the shares. The
 * workers' side (running it, then going back to the queue) is in apps/worker/test/fair-scheduling.test.ts.
 */
const env = useTestEnvironment();
let other: { environmentId: string };
let recorded = 0;

beforeAll(async () => {
  other = await env.createEnvironment('fair-other');
});

/** Records a one-user operation of `environmentId` over `userId`. */
async function record(environmentId: string, userId: string): Promise<string> {
  recorded += 1;
  const { operation } = await createBulkOperation(env.db, {
    environmentId,
    operation: setPreferencesOperation({ userIds: [userId], setId: 'default', strategy: 'replace', document: {} }),
    idempotencyKey: null,
    requestHash: `fair-${recorded}`,
  });
  return operation.id;
}

/** Ends every operation of both environments, so that each test starts with nothing unfinished. */
async function finishAll(): Promise<void> {
  await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET status = 'completed', lease_until = NULL WHERE status IN ('queued', 'processing')`);
  await env.db.$executeRawUnsafe(`UPDATE environments SET last_served_at = '-infinity'`);
}

afterEach(finishAll);

describe('the fair claim', () => {
  it('yields to a less served environment with operations waiting, which is then run under this job', async () => {
    const running = await record(env.environmentId, 'a-0');
    const waiting = await record(env.environmentId, 'a-1');
    const theirs = await record(other.environmentId, 'b-0');
    expect(await claimOperation(env.db, running, 30_000)).toMatchObject({ outcome: 'claimed' });

    // A has one running, B none and one waiting: A's next job yields to B.
    expect(await claimOperation(env.db, waiting, 30_000, { fair: true })).toEqual({ outcome: 'yield', environmentId: other.environmentId });
    // First come, first served claims it all the same.
    const fifo = await claimOperation(env.db, waiting, 30_000);
    expect(fifo.outcome).toBe('claimed');
    await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET status = 'queued', lease_until = NULL, lease_owner = NULL WHERE id = $1::uuid`, waiting);

    const served = await claimNextOperationOf(env.db, other.environmentId, 30_000, waiting);
    expect(served?.id).toBe(theirs);
    const [row] = await env.db.$queryRawUnsafe<{ status: string; lease_owner: string }[]>('SELECT status, lease_owner::text FROM bulk_operations WHERE id = $1::uuid', theirs);
    expect(row).toEqual({ status: 'processing', lease_owner: waiting });
    // Its own job leaves it to the job running it while that lease lasts; that job may take it back.
    expect(await claimOperation(env.db, theirs, 30_000, { fair: true })).toEqual({ outcome: 'held' });
    expect(await reclaimOperation(env.db, theirs, 30_000)).toBeNull();
    expect((await reclaimOperation(env.db, theirs, 30_000, waiting))?.id).toBe(theirs);
    // Nothing else of B waits: there is nothing more to take there.
    expect(await claimNextOperationOf(env.db, other.environmentId, 30_000, waiting)).toBeNull();

    // Let go (a worker shutting down mid-turn): its own job takes it at once.
    await releaseLease(env.db, theirs, waiting);
    expect(await claimOperation(env.db, theirs, 30_000, { fair: true })).toMatchObject({ outcome: 'claimed' });
  });

  it('does not yield to an environment running as many, nor when no other has work waiting', async () => {
    const mine = await record(env.environmentId, 'c-0');
    const next = await record(env.environmentId, 'c-1');
    expect(await claimOperation(env.db, mine, 30_000, { fair: true })).toMatchObject({ outcome: 'claimed' });
    // No operation of B at all.
    expect(await claimOperation(env.db, next, 30_000, { fair: true })).toMatchObject({ outcome: 'claimed' });
    await finishAll();

    const [a0, a1] = [await record(env.environmentId, 'd-a0'), await record(env.environmentId, 'd-a1')];
    const bIds = [await record(other.environmentId, 'd-b0'), await record(other.environmentId, 'd-b1'), await record(other.environmentId, 'd-b2')];
    for (const id of [bIds[0], bIds[1], a0]) expect(await claimOperation(env.db, id, 30_000)).toMatchObject({ outcome: 'claimed' });
    // B runs 2, A 1: A is the less served, its job does not yield although B has one waiting.
    expect(await claimOperation(env.db, a1, 30_000, { fair: true })).toMatchObject({ outcome: 'claimed' });
    // Both run 2 and A has nothing waiting: B's third does not yield.
    expect(await claimOperation(env.db, bIds[2], 30_000, { fair: true })).toMatchObject({ outcome: 'claimed' });
  });

  it('takes turns on one worker slot: running as many, the environment served less recently goes first', async () => {
    const a0 = await record(env.environmentId, 't-a0');
    expect(await claimOperation(env.db, a0, 30_000, { fair: true })).toMatchObject({ outcome: 'claimed' });
    await finishAll();
    await env.db.$executeRawUnsafe(`UPDATE environments SET last_served_at = now() WHERE id = $1::uuid`, env.environmentId);
    const a1 = await record(env.environmentId, 't-a1');
    const b = await record(other.environmentId, 't-b');
    // Nothing runs; A was served last (B never): A's job yields.
    expect(await claimOperation(env.db, a1, 30_000, { fair: true })).toEqual({ outcome: 'yield', environmentId: other.environmentId });
    expect((await claimNextOperationOf(env.db, other.environmentId, 30_000, a1))?.id).toBe(b);
    await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET status = 'completed', lease_until = NULL WHERE id = $1::uuid`, b);
    // Now B was served last: A's job takes its own.
    const [served] = await env.db.$queryRawUnsafe<{ later: boolean }[]>(
      'SELECT (SELECT last_served_at FROM environments WHERE id = $1::uuid) >= (SELECT last_served_at FROM environments WHERE id = $2::uuid) AS later',
      other.environmentId,
      env.environmentId,
    );
    expect(served.later).toBe(true);
    await record(other.environmentId, 't-b2');
    expect(await claimOperation(env.db, a1, 30_000, { fair: true })).toMatchObject({ outcome: 'claimed' });
  });

  it('weighs the shares: a job of weight 1 yields to one of weight 3 running fewer than three times as many', async () => {
    expect(await setSchedulingWeight(env.db, 'fair-other', 3)).toBe(true);
    try {
      const aRunning = await record(env.environmentId, 'w-a0');
      const aWaiting = await record(env.environmentId, 'w-a1');
      const bIds: string[] = [];
      for (let index = 0; index < 4; index += 1) bIds.push(await record(other.environmentId, `w-b${index}`));
      for (const id of [aRunning, ...bIds.slice(0, 2)]) expect(await claimOperation(env.db, id, 30_000)).toMatchObject({ outcome: 'claimed' });
      // B runs 2 for its weight of 3 (a share of 0.67), A 1 for 1: A's job yields (at weight 1 it would not).
      expect(await claimOperation(env.db, aWaiting, 30_000, { fair: true })).toEqual({ outcome: 'yield', environmentId: other.environmentId });
      expect(await claimOperation(env.db, bIds[2], 30_000)).toMatchObject({ outcome: 'claimed' });
      // B runs 3, a share of 1 as A's: A's job no longer yields.
      expect(await claimOperation(env.db, aWaiting, 30_000, { fair: true })).toMatchObject({ outcome: 'claimed' });
    } finally {
      await setSchedulingWeight(env.db, 'fair-other', 1);
    }
    await expect(setSchedulingWeight(env.db, 'fair-other', 0)).rejects.toThrow(RangeError);
    expect(await setSchedulingWeight(env.db, 'no-such-environment', 2)).toBe(false);
  });

  it('takes from the other environment only an operation nothing earlier holds back', async () => {
    const aRunning = await record(env.environmentId, 'o-a0');
    const bFirst = await record(other.environmentId, 'o-b');
    await record(other.environmentId, 'o-b'); // the same user: waits for the first
    for (const id of [aRunning, bFirst]) expect(await claimOperation(env.db, id, 30_000)).toMatchObject({ outcome: 'claimed' });
    // B's only waiting operation is held back by its first: none of B's may be taken for fairness (the
    // worker then claims its own without fairness).
    expect(await claimNextOperationOf(env.db, other.environmentId, 30_000, aRunning)).toBeNull();
  });
});

describe('listEnvironmentQueues', () => {
  it("counts each environment's queued and processing operations, its weight, and the oldest queued one's wait", async () => {
    const first = await record(env.environmentId, 'q-0');
    await record(env.environmentId, 'q-1');
    await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET inserted_at = now() - interval '90 seconds' WHERE id = $1::uuid`, first);
    const queues = await listEnvironmentQueues(env.db);
    const mine = queues.find((queue) => queue.name === 'test');
    expect(mine).toMatchObject({ weight: 1, queued: 2, processing: 0 });
    expect(mine?.oldestWaitSeconds).toBeGreaterThanOrEqual(90);
    expect(queues.find((queue) => queue.name === 'fair-other')).toEqual({ name: 'fair-other', weight: 1, queued: 0, processing: 0, oldestWaitSeconds: 0 });
  });
});
