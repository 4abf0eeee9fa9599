import { applyPreferences, PREFERENCE_SET_LIMITS, unsubscribePatch, userRecipient, type PreferenceDocument } from '@prefs/core';
import { useTestEnvironment, workflowsOfSize } from '@prefs/testing';
import { getPreferenceSet, listUnsubscribes, PreferenceSetTooLargeError, recordUnsubscribe, putPreferenceSet } from '@prefs/db';

/** The one-click unsubscribe's SQL merge gives what the shared merge function gives, whatever is stored. */
const env = useTestEnvironment();

const condition = { variable: 'recipient.plan', operator: 'equal_to' as const, argument: 'pro' };
const STORED: (PreferenceDocument | null)[] = [
  null,
  {},
  { commercial_subscribed: true },
  { commercial_subscribed: { conditions: [condition] }, categories: { marketing: true } },
  { categories: { marketing: { channel_types: { email: true }, conditions: [condition] }, product: false } },
  { categories: { 'a.b': true }, workflows: { launch: { channel_types: { sms: false } } } },
  { workflows: { launch: true }, channel_types: { push: false }, channels: { '4f6f0e6e-1a2b-4c3d-8e9f-0a1b2c3d4e5f': true } },
];
const SCOPES = [null, 'categories.marketing', 'categories.a.b', 'workflows.launch', 'workflows.new-one'];

it('for every stored set and scope, the stored result equals applyPreferences(merge, stored, unsubscribePatch(scope))', async () => {
  let n = 0;
  for (const stored of STORED) {
    for (const scope of SCOPES) {
      const userId = `u${(n += 1)}`;
      if (stored !== null) await putPreferenceSet(env.db, env.environmentId, userRecipient(userId), 'default', 'replace', stored);
      const event = await recordUnsubscribe(env.db, { environmentId: env.environmentId, userId, scope, tenant: null, linkId: 'L'.repeat(22), source: 'one_click' });
      expect(event).toMatchObject({ userId, scope, source: 'one_click' });
      const expected = applyPreferences('merge', stored, unsubscribePatch(scope));
      expect({ stored, scope, result: await getPreferenceSet(env.db, env.environmentId, userRecipient(userId), 'default') }).toEqual({ stored, scope, result: expected });
    }
  }
  expect(await listUnsubscribes(env.db, env.environmentId, 'u1', 10, null)).toHaveLength(1);
});

it('an unsubscribe passes the 64 KiB set limit, up to optOutBytes; no other write does', async () => {
  const userId = 'nearly-full';
  // Sizes as the limit reads them: the value as written (a stored one is compressed).
  const sizeOf = async () =>
    (await env.db.$queryRawUnsafe<{ bytes: number }[]>(
      "SELECT pg_column_size(preferences::text::jsonb) AS bytes FROM preference_sets WHERE environment_id = $1::uuid AND recipient_id = $2 AND set_id = 'default'",
      env.environmentId,
      userId,
    ))[0].bytes;
  await putPreferenceSet(env.db, env.environmentId, userRecipient(userId), 'default', 'replace', { workflows: workflowsOfSize(63, 'a') });
  const event = (scope: string | null) => ({ environmentId: env.environmentId, userId, scope, tenant: null, linkId: 'L'.repeat(22), source: 'one_click' as const });
  const refusals: unknown[] = [];
  for (let n = 0; refusals.length === 0; n += 1) {
    const before = await getPreferenceSet(env.db, env.environmentId, userRecipient(userId), 'default');
    const scope = `categories.${String(n).padStart(4, '0')}`.padEnd(210, 'k');
    await recordUnsubscribe(env.db, event(scope)).catch((error: unknown) => refusals.push(error));
    if (refusals.length > 0) expect(await getPreferenceSet(env.db, env.environmentId, userRecipient(userId), 'default')).toEqual(before);
    if (n > 200) throw new Error('an unsubscribe was never refused');
  }
  expect(refusals[0]).toBeInstanceOf(PreferenceSetTooLargeError);
  const stored = await sizeOf();
  expect(stored).toBeLessThanOrEqual(PREFERENCE_SET_LIMITS.optOutBytes);
  expect(stored).toBeGreaterThan(PREFERENCE_SET_LIMITS.optOutBytes - 300);
  const recorded = await listUnsubscribes(env.db, env.environmentId, userId, 1000, null);
  expect(recorded.length).toBeGreaterThan(50);
  // The unsubscribe's permission ends with its transaction: an ordinary write of the set stays refused.
  await expect(putPreferenceSet(env.db, env.environmentId, userRecipient(userId), 'default', 'merge', { channel_types: { email: false } })).rejects.toBeInstanceOf(
    PreferenceSetTooLargeError,
  );
});
