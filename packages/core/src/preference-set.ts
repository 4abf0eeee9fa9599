/** The shapes of a PreferenceSet (spec section 1). */

export const CHANNEL_TYPES = ['chat', 'email', 'http', 'in_app_feed', 'push', 'sms'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const CONDITION_OPERATORS = [
  'equal_to',
  'not_equal_to',
  'greater_than',
  'less_than',
  'greater_than_or_equal_to',
  'less_than_or_equal_to',
  'contains',
  'not_contains',
  'empty',
  'not_empty',
  'exists',
  'not_exists',
  'contains_all',
  'not_contains_all',
  'is_timestamp',
  'is_not_timestamp',
  'is_timestamp_on_or_after',
  'is_timestamp_before',
  'is_timestamp_on_or_after_date',
  'is_timestamp_before_date',
  'is_timestamp_between',
  'is_between',
  'is_audience_member',
  'is_not_audience_member',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export interface Condition {
  variable: string;
  operator: ConditionOperator;
  argument: string | null;
}

/** A `{ conditions }` leaf: allowed only when every condition holds. */
export interface ConditionsSetting {
  conditions: Condition[];
}

/** The value of one channel type, one channel, or `commercial_subscribed`. */
export type ChannelSetting = boolean | ConditionsSetting;

export type ChannelTypeSettings = { [type in ChannelType]?: ChannelSetting | null };
export type ChannelSettings = Record<string, ChannelSetting | null>;

/** The object form of a category or workflow setting. */
export interface SettingObject {
  channel_types?: ChannelTypeSettings | null;
  channels?: ChannelSettings | null;
  conditions?: Condition[] | null;
}

export type Setting = boolean | SettingObject;

/**
 * The stored body of a preference set. A key that is absent was never set (and reads back as null);
 * in a request, an explicit null asks a merge to remove the key.
 */
export interface PreferenceDocument {
  categories?: Record<string, Setting | null> | null;
  workflows?: Record<string, Setting | null> | null;
  channel_types?: ChannelTypeSettings | null;
  channels?: ChannelSettings | null;
  commercial_subscribed?: ChannelSetting | null;
}

export const DOCUMENT_FIELDS = ['categories', 'workflows', 'channel_types', 'channels', 'commercial_subscribed'] as const;

export type PersistenceStrategy = 'replace' | 'merge';
export const PERSISTENCE_STRATEGIES: readonly PersistenceStrategy[] = ['replace', 'merge'];

export const DEFAULT_SET_ID = 'default';

/** A PreferenceSet as the API returns it. */
export interface PreferenceSetResource {
  __typename: 'PreferenceSet';
  id: string;
  categories: Record<string, Setting> | null;
  workflows: Record<string, Setting> | null;
  channel_types: ChannelTypeSettings | null;
  channels: ChannelSettings | null;
  commercial_subscribed: ChannelSetting | null;
}

export function toPreferenceSetResource(setId: string, document: PreferenceDocument | null): PreferenceSetResource {
  const doc = document ?? {};
  return {
    __typename: 'PreferenceSet',
    id: setId,
    categories: (doc.categories as Record<string, Setting> | undefined) ?? null,
    workflows: (doc.workflows as Record<string, Setting> | undefined) ?? null,
    channel_types: doc.channel_types ?? null,
    channels: doc.channels ?? null,
    commercial_subscribed: doc.commercial_subscribed ?? null,
  };
}
