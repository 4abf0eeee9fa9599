import { userRecipient } from '@prefs/core';
import { useTestEnvironment } from '@prefs/testing';
import { getPreferenceSet, putPreferenceSet } from '@prefs/db';

/** Single-user writes of a preference set, under concurrency. */
const env = useTestEnvironment();

describe('putPreferenceSet, merge', () => {
  it('keeps every one of 20 concurrent merges into a set that did not exist', async () => {
    for (const round of [1, 2, 3]) {
      const userId = `race-${round}`;
      await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          putPreferenceSet(env.db, env.environmentId, userRecipient(userId), 'default', 'merge', { categories: { [`c${index}`]: index % 2 === 0 } }),
        ),
      );
      const stored = await getPreferenceSet(env.db, env.environmentId, userRecipient(userId), 'default');
      expect(Object.keys((stored as { categories: Record<string, boolean> }).categories).sort()).toEqual(
        Array.from({ length: 20 }, (_, index) => `c${index}`).sort(),
      );
    }
  });

  it('returns what it stored, and refuses to merge into a stored set that is not an object', async () => {
    const merged = await putPreferenceSet(env.db, env.environmentId, userRecipient('shape'), 'default', 'merge', { categories: { a: true, b: null }, channel_types: { email: false } });
    expect(merged).toEqual({ categories: { a: true }, channel_types: { email: false } });
    expect(await putPreferenceSet(env.db, env.environmentId, userRecipient('shape'), 'default', 'merge', { categories: { a: null, c: { channel_types: { sms: true } } } })).toEqual({
      categories: { c: { channel_types: { sms: true } } },
      channel_types: { email: false },
    });
    await env.db.$executeRawUnsafe(
      `UPDATE preference_sets SET preferences = '"hand-edited"' WHERE environment_id = $1::uuid AND recipient_id = 'shape'`,
      env.environmentId,
    );
    await expect(putPreferenceSet(env.db, env.environmentId, userRecipient('shape'), 'default', 'merge', { commercial_subscribed: true })).rejects.toThrow(/not an object/);
    expect(await getPreferenceSet(env.db, env.environmentId, userRecipient('shape'), 'default')).toBe('hand-edited');
  });
});
