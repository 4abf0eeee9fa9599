import { parseRowKey, type PreferenceCenterLayout } from './preference-center';
import type { ChannelType } from './contract';
import type { PreferenceDocument } from './preference-set';

/**
 * What the preference center shows (rows of toggles, from the layout and the user's effective set) and
 * what a save writes (a merge of only the toggles the user changed). Pure: the page renders this model,
 * and the save recomputes it to know which toggles exist.
 */

/** One toggle: a path into the preference document, and its state in the effective set. */
export interface PreferenceToggle {
  /** The form field's name: the path's segments as JSON, so keys holding dots stay unambiguous. */
  name: string;
  path: string[];
  label: string;
  on: boolean;
  /** The value there has `conditions`: shown, not editable here. */
  readOnly: boolean;
}

export interface PreferenceCenterRowView {
  key: string;
  label: string;
  description: string | null;
  /** One toggle for the row, or one per listed channel type. */
  toggles: PreferenceToggle[];
  /** Every toggle of the row is read-only (its value has conditions). */
  readOnly: boolean;
  commercial: boolean;
  /** The effective setting is a plain boolean, which one channel type's change must spell out per type. */
  booleanSetting: boolean;
}

export interface PreferenceCenterView {
  title: string;
  description: string | null;
  rows: PreferenceCenterRowView[];
}

export const CHANNEL_TYPE_LABELS: Record<ChannelType, string> = {
  chat: 'Chat',
  email: 'Email',
  http: 'Webhook',
  in_app_feed: 'In-app',
  push: 'Push',
  sms: 'SMS',
};

export const DEFAULT_PREFERENCE_CENTER_TITLE = 'Notification preferences';
export const COMMERCIAL_LABEL = 'Marketing and promotional messages';
export const COMMERCIAL_DESCRIPTION = 'Offers, newsletters and other commercial messages. Turn this off to unsubscribe from all of them.';

type JsonObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasConditions(value: unknown): boolean {
  return isPlainObject(value) && Array.isArray(value.conditions);
}

/** A channel-like value (boolean, `{ conditions }`, or unset): unset allows. */
function channelState(value: unknown): { on: boolean; readOnly: boolean } {
  if (typeof value === 'boolean') return { on: value, readOnly: false };
  if (hasConditions(value)) return { on: true, readOnly: true };
  return { on: true, readOnly: false };
}

function toggle(path: string[], label: string, state: { on: boolean; readOnly: boolean }): PreferenceToggle {
  return { name: JSON.stringify(path), path, label, on: state.on, readOnly: state.readOnly };
}

/** "weekly-digest" -> "Weekly digest": a readable label for rows the layout does not name. */
function humanize(key: string): string {
  const words = key.replace(/[-_.]+/g, ' ').trim();
  return words.length === 0 ? key : words.charAt(0).toUpperCase() + words.slice(1);
}

/** Without a layout: the categories, then the workflows, of the environment's default set. */
export function defaultPreferenceCenterLayout(environmentDefault: PreferenceDocument | null): PreferenceCenterLayout {
  const rows: PreferenceCenterLayout['rows'] = [];
  for (const field of ['categories', 'workflows'] as const) {
    const map = environmentDefault?.[field];
    if (!isPlainObject(map)) continue;
    for (const key of Object.keys(map).sort()) {
      if (map[key] !== null && map[key] !== undefined && parseRowKey(`${field}.${key}`) !== null) rows.push({ key: `${field}.${key}`, label: humanize(key) });
    }
  }
  return { title: DEFAULT_PREFERENCE_CENTER_TITLE, rows };
}

function rowView(row: PreferenceCenterLayout['rows'][number], effective: PreferenceDocument): PreferenceCenterRowView | null {
  const parsed = parseRowKey(row.key);
  if (parsed === null) return null;
  const map = (effective as JsonObject)[parsed.field];
  const value = isPlainObject(map) ? map[parsed.key] : undefined;
  const base = { key: row.key, label: row.label, description: row.description ?? null, commercial: false, booleanSetting: typeof value === 'boolean' };
  if (parsed.field === 'channels') {
    const state = channelState(value);
    return { ...base, toggles: [toggle([parsed.field, parsed.key], row.label, state)], readOnly: state.readOnly };
  }
  // A setting with its own conditions applies them to every channel: the whole row is read-only.
  const settingReadOnly = hasConditions(value);
  if (!row.channel_types) {
    const on = typeof value === 'boolean' ? value : true;
    return { ...base, toggles: [toggle([parsed.field, parsed.key], row.label, { on, readOnly: settingReadOnly })], readOnly: settingReadOnly };
  }
  const types = isPlainObject(value) && isPlainObject(value.channel_types) ? value.channel_types : {};
  const toggles = row.channel_types.map((type) => {
    const state = typeof value === 'boolean' ? { on: value, readOnly: false } : channelState(types[type]);
    return toggle([parsed.field, parsed.key, 'channel_types', type], CHANNEL_TYPE_LABELS[type], {
      on: state.on,
      readOnly: settingReadOnly || state.readOnly,
    });
  });
  return { ...base, toggles, readOnly: toggles.every((item) => item.readOnly) };
}

/**
 * The page's rows: the commercial row first (always there), then the layout's rows (or, without a
 * layout, the environment default set's categories and workflows), each read from the effective set.
 */
export function buildPreferenceCenterView(
  layout: PreferenceCenterLayout | null,
  effective: PreferenceDocument,
  environmentDefault: PreferenceDocument | null,
): PreferenceCenterView {
  const used = layout ?? defaultPreferenceCenterLayout(environmentDefault);
  const commercialState = channelState(effective.commercial_subscribed);
  const commercial: PreferenceCenterRowView = {
    key: 'commercial_subscribed',
    label: COMMERCIAL_LABEL,
    description: COMMERCIAL_DESCRIPTION,
    toggles: [toggle(['commercial_subscribed'], COMMERCIAL_LABEL, commercialState)],
    readOnly: commercialState.readOnly,
    commercial: true,
    booleanSetting: false,
  };
  const rows = used.rows.map((row) => rowView(row, effective)).filter((row): row is PreferenceCenterRowView => row !== null);
  return { title: used.title, description: used.description ?? null, rows: [commercial, ...rows] };
}

export interface ToggleChange {
  name: string;
  on: boolean;
}

/**
 * The merge patch for the toggles the user changed. Unknown or read-only toggles are refused (null):
 * the form may change only what the page offered. A channel-type toggle of a setting that is a plain
 * boolean writes every channel type of its row, so the others keep what the page showed.
 */
export function preferencePatchFromChanges(view: PreferenceCenterView, changes: ToggleChange[]): PreferenceDocument | null {
  const byName = new Map<string, { row: PreferenceCenterRowView; toggle: PreferenceToggle }>();
  for (const row of view.rows) for (const item of row.toggles) byName.set(item.name, { row, toggle: item });
  const patch: JsonObject = {};
  const wanted = new Map<string, boolean>();
  for (const change of changes) {
    const found = byName.get(change.name);
    if (!found || found.toggle.readOnly) return null;
    wanted.set(change.name, change.on);
  }
  for (const change of changes) {
    const { row, toggle: item } = byName.get(change.name) as { row: PreferenceCenterRowView; toggle: PreferenceToggle };
    const [field, key, , type] = item.path;
    if (item.path.length === 1) {
      patch[field] = change.on;
      continue;
    }
    const map = (patch[field] ??= {}) as JsonObject;
    if (item.path.length === 2) {
      map[key] = change.on;
      continue;
    }
    const setting = (map[key] ??= { channel_types: {} }) as { channel_types: JsonObject };
    setting.channel_types[type] = change.on;
    // The other cells of a row whose setting is a boolean are written too (a merge of an object over a
    // boolean replaces it), as the page showed them.
    if (!row.booleanSetting) continue;
    for (const other of row.toggles) {
      if (other.name !== item.name && !wanted.has(other.name) && !other.readOnly) setting.channel_types[other.path[3]] = other.on;
    }
  }
  return patch as PreferenceDocument;
}
