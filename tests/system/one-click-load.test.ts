import { currentLinkSecret } from '@prefs/db';
import { createTestEnvironment, userIds, type TestEnvironment } from '@prefs/testing';
import { newLinkId, signLinkToken } from '../../apps/api/src/links/link-token';
import { startApi, stopAllProcesses, type ApiHandle } from './faults/support';

/**
 * A campaign's burst of one-click unsubscribes against one API process (the built app, spawned, with
 * Knock's rate limits on): 20,000 POSTs for 2,000 users (one link each, ten POSTs per link, shuffled),
 * 50 in flight. Every one answers 200, every user ends unsubscribed, and every POST is accounted for
 * exactly once: as a stored event, or as a repeat counted on one (a repeat changes nothing).
 */
const USERS = Number(process.env.LOAD_USERS ?? 2000);
const POSTS_PER_USER = 10;
const IN_FLIGHT = 50;

let env: TestEnvironment;
let api: ApiHandle;

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env, 'api', { env: { RATE_LIMITS: 'knock' } });
});

afterAll(async () => {
  await stopAllProcesses();
  await env?.cleanup();
});

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

it(`${USERS * POSTS_PER_USER} one-click POSTs for ${USERS} users, ${IN_FLIGHT} in flight: all 200, all unsubscribed, each accounted for once`, async () => {
  const secret = await currentLinkSecret(env.db, env.environmentId);
  const ids = userIds(USERS, 'campaign');
  const urls = ids.map((userId) => `${api.url}/unsubscribe?t=${signLinkToken(secret, { userId, linkId: newLinkId(), scope: null, tenant: null })}`);
  const posts = shuffle(urls.flatMap((url) => Array.from({ length: POSTS_PER_USER }, () => url)));

  const statuses = new Map<number, number>();
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < posts.length) {
      const url = posts[next];
      next += 1;
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click', redirect: 'manual' });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (Date.now() - started) / 1000;
  console.log(`LOAD | ${posts.length} one-click POSTs, ${USERS} users, ${IN_FLIGHT} in flight, one API process | ${seconds.toFixed(1)} s, ${Math.round(posts.length / seconds)} unsubscribes/s | statuses ${JSON.stringify(Object.fromEntries(statuses))}`);

  expect(Object.fromEntries(statuses)).toEqual({ 200: posts.length });
  const perUser = await env.db.$queryRawUnsafe<{ user_id: string; rows: number; repeats: number }[]>(
    'SELECT user_id, count(*)::int AS rows, sum(repeats)::int AS repeats FROM unsubscribes WHERE environment_id = $1::uuid GROUP BY user_id',
    env.environmentId,
  );
  expect(perUser).toHaveLength(USERS);
  // Rows plus repeats: every POST once, none lost or doubled under concurrency.
  expect(perUser.filter((row) => row.rows + row.repeats !== POSTS_PER_USER)).toEqual([]);
  expect(perUser.reduce((sum, row) => sum + row.rows + row.repeats, 0)).toBe(posts.length);
  // A repeat is stored again only when it raced the user's first POST; most users keep one row.
  const stored = perUser.reduce((sum, row) => sum + row.rows, 0);
  console.log(`LOAD | ${stored} events stored for ${posts.length} POSTs (${posts.length - stored} counted as repeats)`);
  expect(stored).toBeLessThan(posts.length / 2);
  const subscribed = await env.db.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM preference_sets
     WHERE environment_id = $1::uuid AND set_id = 'default' AND preferences->'commercial_subscribed' = 'false'::jsonb`,
    env.environmentId,
  );
  expect(subscribed[0].n).toBe(USERS);
  // About 30 s on an idle 2-core machine; the bound leaves room for a machine shared with other work.
}, 300_000);
