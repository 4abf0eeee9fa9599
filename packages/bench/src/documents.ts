import type { PreferenceDocument } from '@prefs/core';

/**
 * Preference documents of realistic size (about 1 KB of JSON): a few categories, workflows with
 * channel_types and a condition, channel types and channels. `tag` lands in a condition argument, so
 * that each measured line writes documents that differ from what is stored: an unchanged row is not
 * rewritten, which would make a repeat look cheaper than a real write.
 */

const SLACK_CHANNEL = '6b2c1f2e-3a4d-4c5b-9e8f-0a1b2c3d4e5f';
const PUSH_CHANNEL = 'f0e1d2c3-b4a5-4968-8776-655443322110';

export function fullDocument(tag: string): PreferenceDocument {
  return {
    categories: {
      marketing: false,
      transactional: { channel_types: { email: true, sms: false, push: true } },
      product_updates: {
        channel_types: { email: true, in_app_feed: true },
        conditions: [{ variable: 'recipient.plan', operator: 'equal_to', argument: 'pro' }],
      },
      security: true,
    },
    workflows: {
      'new-comment': {
        channel_types: { email: false, in_app_feed: true, push: true },
        conditions: [{ variable: 'recipient.timezone', operator: 'not_equal_to', argument: tag }],
      },
      'weekly-digest': { channel_types: { email: true, sms: false } },
      'password-reset': true,
      'invoice-paid': {
        channel_types: { email: true, chat: false },
        channels: { [SLACK_CHANNEL]: false },
      },
    },
    channel_types: { email: true, sms: false, push: true, in_app_feed: true, chat: false, http: false },
    channels: {
      [SLACK_CHANNEL]: { conditions: [{ variable: 'recipient.slack_connected', operator: 'exists', argument: null }] },
      [PUSH_CHANNEL]: true,
    },
    commercial_subscribed: true,
  };
}

/** A merge patch: changes nested values, replaces a conditions array, removes a key with null. */
export function mergePatch(tag: string): PreferenceDocument {
  return {
    categories: { marketing: true, transactional: { channel_types: { sms: true } } },
    workflows: {
      'new-comment': { conditions: [{ variable: 'recipient.timezone', operator: 'not_equal_to', argument: tag }] },
      'weekly-digest': { channel_types: { email: false } },
    },
    channels: { [PUSH_CHANNEL]: null },
  };
}

/** The user ids of the seeded population (up to ten million), in the order the API sorts them. */
export function userId(index: number): string {
  return `bench-user-${String(index).padStart(7, '0')}`;
}

/** `count` consecutive users starting at `first`, wrapping around the seeded population. */
export function userRange(first: number, count: number, population: number): string[] {
  return Array.from({ length: count }, (_, offset) => userId((first + offset) % population)).sort();
}
