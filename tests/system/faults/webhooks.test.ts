import { seededRandom, waitFor, WebhookReceiver, type TestEnvironment } from '@prefs/testing';
import { fault, startApi, startWorker, useFaultSuite } from './support';

/**
 * Issue 19 item 4 (operations-control.md, Webhooks: Load): single-user changes through the API while the
 * receiver fails 30% of attempts, is stopped and started again, and one of two workers is SIGKILLed while
 * it sends. Every event arrives (a 2xx) at least once, verified by the `standardwebhooks` package; every
 * copy of an event carries its `webhook-id` and the same body; none is lost.
 */
let env: TestEnvironment;
useFaultSuite({ withApi: false }, (created) => {
  env = created;
});

const CHANGES = Number(process.env.WEBHOOK_FAULT_CHANGES ?? 3000);
/** Retries every 300 ms, 60 times: the schedule is the test's, the behaviour the service's. */
const WEBHOOK_ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_SCHEDULE_MS: Array.from({ length: 60 }, () => '300').join(','),
  WEBHOOK_DISPATCH_INTERVAL_MS: '100',
  WEBHOOK_TIMEOUT_MS: '2000',
};

it('delivers every event at least once through a flaky, restarted receiver and a SIGKILLed worker', async () => {
  await fault(
    `${CHANGES} single-user changes; receiver failing 30% of attempts, stopped and restarted; one of two workers SIGKILLed mid-run`,
    'every event 2xx at least once, signatures verified by standardwebhooks, repeats share webhook-id and body, deliveries all succeeded',
    async () => {
      const receiver = new WebhookReceiver();
      const random = seededRandom(19);
      receiver.answer = () => (random() < 0.3 ? 500 : 200);
      await receiver.start();
      try {
        const api = await startApi(env, 'api', { env: WEBHOOK_ENV });
        const workerA = await startWorker(env, 'worker-a', { env: WEBHOOK_ENV });
        const workerB = await startWorker(env, 'worker-b', { env: WEBHOOK_ENV });
        const headers = { Authorization: `Bearer ${env.secretKey}`, 'Content-Type': 'application/json' };
        const registered = await fetch(`${api.url}/v1/webhooks`, { method: 'POST', headers, body: JSON.stringify({ url: `${receiver.url}/in`, events: ['preference_set.updated'] }) });
        expect(registered.status).toBe(200);
        receiver.secrets = [((await registered.json()) as { secret: string }).secret];

        // The changes, 16 at a time; the faults happen while they are sent and delivered.
        let next = 0;
        const faults = (async () => {
          await waitFor(async () => receiver.received.length >= CHANGES / 5, 120_000, 20);
          await receiver.stop();
          await new Promise((resolve) => setTimeout(resolve, 1500));
          await receiver.start();
          await waitFor(async () => receiver.received.length >= CHANGES / 2, 120_000, 20);
          workerA.signal('SIGKILL');
          expect(await workerA.exited).toEqual({ code: null, signal: 'SIGKILL' });
        })();
        await Promise.all(
          Array.from({ length: 16 }, async () => {
            while (next < CHANGES) {
              const index = next++;
              const res = await fetch(`${api.url}/v1/users/webhook-user-${index}/preferences/default`, {
                method: 'PUT',
                headers,
                body: JSON.stringify({ channel_types: { email: index % 2 === 0 }, categories: { digest: { channel_types: { sms: true } } } }),
              });
              expect(res.status).toBe(200);
              await res.arrayBuffer();
            }
          }),
        );
        await faults;

        const [recorded] = await env.db.$queryRawUnsafe<{ events: number }[]>(`SELECT count(*)::int AS events FROM webhook_events`);
        expect(recorded.events).toBe(CHANGES);
        await waitFor(async () => receiver.acceptedIds().size >= CHANGES, 240_000, 200);
        const [pending] = await env.db.$queryRawUnsafe<{ unfinished: number }[]>(`SELECT count(*)::int AS unfinished FROM webhook_deliveries WHERE status <> 'succeeded'`);
        await waitFor(async () => {
          const [left] = await env.db.$queryRawUnsafe<{ unfinished: number }[]>(`SELECT count(*)::int AS unfinished FROM webhook_deliveries WHERE status <> 'succeeded'`);
          return left.unfinished === 0;
        }, 30_000, 200);

        // Every copy verified; copies of one event are the same event: one webhook-id, one body.
        expect(receiver.received.filter((webhook) => webhook.payload === null)).toEqual([]);
        const bodies = new Map<string, Set<string>>();
        for (const webhook of receiver.received) bodies.set(webhook.id, (bodies.get(webhook.id) ?? new Set()).add(webhook.body));
        expect([...bodies.values()].filter((copies) => copies.size > 1)).toEqual([]);
        const users = new Set([...receiver.verifiedEvents().values()].map((event) => (event.data.recipient as { id: string }).id));
        expect(users.size).toBe(CHANGES);
        expect(bodies.size).toBe(CHANGES);

        const attempts = receiver.received.length;
        const failedAnswers = receiver.received.filter((webhook) => webhook.status !== 200).length;
        const repeatsOfAccepted = attempts - failedAnswers - CHANGES;
        expect(workerB.isRunning).toBe(true);
        return `${CHANGES} events, ${attempts} attempts received (${failedAnswers} answered 500), ${repeatsOfAccepted} repeats of an accepted event (same webhook-id), ${pending.unfinished} unfinished when the last arrived, none lost`;
      } finally {
        await receiver.stop();
      }
    },
  );
}, 400_000);
