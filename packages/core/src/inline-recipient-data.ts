import { validateInlineChannelData, type ChannelDataValue } from './channel-data';
import { DEFAULT_SET_ID, isReservedKey, PREFERENCE_SET_LIMITS } from './contract';
import type { FieldError } from './field-errors';
import { isPlainObject, typeName } from './json';
import type { PreferenceDocument } from './preference-set';
import { validatePreferenceSetInput, validateSetId } from './validation';

/**
 * Inline identification (recipients.md, section 3): `preferences` (set id to a PreferenceSetRequest) and
 * `channel_data` (channel id to channel data) in an identify, a set or a bulk item. Knock's document
 * declares both nullable: a null writes nothing. Inline preferences are always merged into what is
 * stored, whatever `__persistence_strategy__` says (as Knock documents); inline channel data replaces
 * that channel's data.
 */
export interface InlineRecipientData {
  /** Patches by set id, each merged into the stored set (created when new); explicit nulls remove keys. */
  preferences?: Record<string, PreferenceDocument>;
  /** Data by channel id (lower case), each replacing what was stored for that channel. */
  channelData?: Record<string, ChannelDataValue>;
}

/** The body fields inline data comes in. */
export const INLINE_FIELDS = ['preferences', 'channel_data'] as const;

/** Which sets a body may name inline: any of a recipient's, or only `default` (a tenant has one set). */
export type InlineSets = 'any' | 'default';

function validateInlinePreferences(value: Record<string, unknown>, path: string, sets: InlineSets, out: FieldError[]): Record<string, PreferenceDocument> | null {
  const setIds = Object.keys(value);
  // The stored limit is per recipient and configurable; a request never names more than its default.
  if (setIds.length > PREFERENCE_SET_LIMITS.perRecipient) {
    out.push({ field: path, message: `${path} may name at most ${PREFERENCE_SET_LIMITS.perRecipient} preference sets, got ${setIds.length}`, type: 'too_many_preference_sets' });
    return null;
  }
  const before = out.length;
  const documents: [string, PreferenceDocument][] = [];
  for (const setId of setIds) {
    const field = `${path}.${setId}`;
    if (sets === 'default' && setId !== DEFAULT_SET_ID) {
      out.push({ field, message: `${field}: a tenant has one preference set, ${DEFAULT_SET_ID} (its settings.preference_set)`, type: 'invalid_value' });
      continue;
    }
    const idError = validateSetId(setId, field);
    if (idError || isReservedKey(setId)) {
      out.push(idError ?? { field, message: `${field}: ${setId} is a reserved word, not a set id`, type: 'invalid_value' });
      continue;
    }
    const input = validatePreferenceSetInput(value[setId], field, out, false);
    if (input) documents.push([setId, input.document]);
  }
  // fromEntries defines own properties, so a set id such as "__proto__" could never set a prototype.
  return out.length > before ? null : Object.fromEntries(documents);
}

/**
 * Reads `preferences` and `channel_data` of `body` (a recipient's or a tenant's), naming bad fields under
 * `prefix` (`users.3.`); absent or null fields are left out of the answer.
 */
export function validateInlineRecipientData(body: Record<string, unknown>, prefix: string, sets: InlineSets, out: FieldError[]): InlineRecipientData {
  const inline: InlineRecipientData = {};
  const preferences = body.preferences;
  if (preferences !== undefined && preferences !== null) {
    const field = `${prefix}preferences`;
    if (!isPlainObject(preferences)) out.push({ field, message: `${field} must be an object of set id to preference set, or null, got ${typeName(preferences)}`, type: 'invalid_type' });
    else {
      const documents = validateInlinePreferences(preferences, field, sets, out);
      if (documents && Object.keys(documents).length > 0) inline.preferences = documents;
    }
  }
  const channelData = body.channel_data;
  if (channelData !== undefined && channelData !== null) {
    const result = validateInlineChannelData(channelData, `${prefix}channel_data`);
    if (!result.ok) out.push(...result.errors);
    else if (Object.keys(result.value).length > 0) inline.channelData = result.value;
  }
  return inline;
}
