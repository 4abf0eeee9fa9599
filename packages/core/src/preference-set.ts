/** The shapes of a PreferenceSet (spec section 1); its enums and limits are in `contract.ts`. */

import type { ChannelType, ConditionOperator } from './contract';

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
