import { applyPreferences, unsubscribePatch, userRecipient, type PreferenceDocument } from '@prefs/core';
import { useTestEnvironment } from '@prefs/testing';
import { getPreferenceSet, listUnsubscribes, recordUnsubscribe, putPreferenceSet } from '../src';

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
