import { PREFERENCE_SET_LIMITS, type ChannelDataValue, type PreferenceDocument, type RecipientInput, type RecipientRecord, type RecipientReference } from '@prefs/core';
import type { Queryable } from './client';
import { writeChannelData } from './channel-data';
import { InlineSetsRefusedError, PREFERENCE_SET_SIZE_CHECK, violatesConstraint } from './preference-set-errors';
import { writeRecipientBatch } from './recipient-rows';
import { preferenceSetEventCtes, type ChangeSource } from './webhooks/outbox';

/**
 * Inline identification (recipients.md, section 3): a recipient written with its `preferences` and
 * `channel_data`, all in the caller's transaction, so that one request (or one batch) writes all of it
 * or none. Inline preferences merge into the stored sets in PostgreSQL (the shared prefs_merge_preferences,
 * as merge users does), so no stored set travels to the API or the worker; inline channel data replaces
 * each channel's. One statement for every set of every recipient of a batch, in key order, then one for
 * every channel: rows are locked in one order by every writer, after the recipients' own rows.
 */

/** The stored limit inline sets are held to (besides their size). */
export interface InlineLimits {
  setsPerRecipient?: number;
}

/** What one recipient writes inline. */
export interface InlineWrite {
  recipient: RecipientReference;
  preferences?: Record<string, PreferenceDocument>;
  channelData?: Record<string, ChannelDataValue>;
}

/** No collection, recipient id nor set id holds a control character: the three joined by one name a set. */
const SEPARATOR = '\u0001';
const part = (index: number) => `split_part(sent.key, E'\\x01', ${index})`;
const KEY_OF_EXCLUDED = `EXCLUDED.recipient_collection || E'\\x01' || EXCLUDED.recipient_id || E'\\x01' || EXCLUDED.set_id`;

/** The stored sets `$2` names, as the statement's snapshot has them: an event only for a set the write changed. */
const CHANGED_SETS = `, before AS (
    SELECT stored.recipient_collection, stored.recipient_id, stored.set_id, stored.preferences FROM jsonb_each($2::jsonb) AS sent
    JOIN preference_sets AS stored ON stored.environment_id = $1::uuid AND stored.recipient_collection = ${part(1)}
      AND stored.recipient_id = ${part(2)} AND stored.set_id = ${part(3)}),
  changed AS (
    SELECT $1::uuid AS environment_id, written.recipient_collection, written.recipient_id, written.set_id, written.preferences FROM written
    LEFT JOIN before USING (recipient_collection, recipient_id, set_id)
    WHERE written.preferences IS DISTINCT FROM before.preferences),
  ${preferenceSetEventCtes('changed', 'preference_set.updated', '$4', '$5')}`;

/**
 * Merges the patches of `$2` (an object of "<collection>\x01<id>\x01<set id>" to patch) into their sets
 * in environment `$1`, creating the missing ones; the patch is read by its key on conflict, so each row
 * gets its own. Answers the recipients that got a new set past `$3` sets (none when `$3` is null): the
 * count before the statement plus the sets it created, so a recipient already past a lowered limit may
 * still rewrite the sets it holds. `events`: each set it changed records `preference_set.updated`, `$4`
 * and `$5` its source and actor.
 */
const mergeSetsSql = (events: boolean) => `WITH written AS (
    INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
    SELECT $1::uuid, ${part(1)}, ${part(2)}, ${part(3)}, prefs_merge_preferences(NULL, sent.value)
    FROM jsonb_each($2::jsonb) AS sent ORDER BY 2, 3, 4
    ON CONFLICT (environment_id, recipient_collection, recipient_id, set_id) DO UPDATE
      SET preferences = prefs_merge_preferences(preference_sets.preferences, $2::jsonb -> (${KEY_OF_EXCLUDED})), updated_at = now()
    RETURNING recipient_collection, recipient_id, set_id, preferences, xmax = 0 AS inserted)${events ? CHANGED_SETS : ''}
  SELECT recipient_collection AS collection, recipient_id AS id FROM written
  GROUP BY recipient_collection, recipient_id
  HAVING $3::int IS NOT NULL AND bool_or(inserted)
    AND (SELECT count(*) FROM (SELECT 1 FROM preference_sets AS held
           WHERE held.environment_id = $1::uuid AND held.recipient_collection = written.recipient_collection
             AND held.recipient_id = written.recipient_id LIMIT $3::int) AS counted) + count(*) FILTER (WHERE inserted) > $3::int`;

/** The sets of `$2` that would pass the size limit once merged (run only after the statement failed on it). */
const TOO_LARGE = `SELECT ${part(1)} AS collection, ${part(2)} AS id, ${part(3)} AS set_id FROM jsonb_each($2::jsonb) AS sent
  LEFT JOIN preference_sets AS stored ON stored.environment_id = $1::uuid AND stored.recipient_collection = ${part(1)}
    AND stored.recipient_id = ${part(2)} AND stored.set_id = ${part(3)}
  WHERE pg_column_size(prefs_merge_preferences(stored.preferences, sent.value)) > ${PREFERENCE_SET_LIMITS.bytes}`;

/**
 * The patches in rounds: a (recipient, set) named twice (a bulk item repeated) is merged once per round,
 * in order, since two patches cannot be made one (a later null removes a key an earlier object set).
 */
function mergeRounds(writes: InlineWrite[]): Map<string, PreferenceDocument>[] {
  const rounds: Map<string, PreferenceDocument>[] = [];
  const seen = new Map<string, number>();
  for (const { recipient, preferences } of writes) {
    for (const [setId, patch] of Object.entries(preferences ?? {})) {
      const key = [recipient.collection, recipient.id, setId].join(SEPARATOR);
      const round = seen.get(key) ?? 0;
      seen.set(key, round + 1);
      if (!rounds[round]) rounds[round] = new Map();
      rounds[round].set(key, patch);
    }
  }
  return rounds;
}

/**
 * Writes inline preferences and channel data of recipients, in the caller's transaction. Throws
 * InlineSetsRefusedError naming the sets too large once merged, or the recipients it would give a set
 * past `setsPerRecipient`, having written part: the caller rolls back (its transaction or a savepoint).
 * With `changedBy` (one request's write; a bulk operation sends its one event instead), each set it
 * changes records `preference_set.updated`.
 */
export async function writeInlineData(tx: Queryable, environmentId: string, writes: InlineWrite[], limits: InlineLimits = {}, changedBy?: ChangeSource): Promise<void> {
  const limit = limits.setsPerRecipient ?? null;
  const mergeSets = mergeSetsSql(changedBy !== undefined);
  const eventParams = changedBy ? [changedBy.source, changedBy.actor] : [];
  for (const round of mergeRounds(writes)) {
    const patches = JSON.stringify(Object.fromEntries(round));
    // A savepoint, so that after a set too large the transaction can still find which one it was.
    await tx.$executeRawUnsafe('SAVEPOINT inline_sets');
    let pastLimit: { collection: string; id: string }[];
    try {
      pastLimit = await tx.$queryRawUnsafe(mergeSets, environmentId, patches, limit, ...eventParams);
      await tx.$executeRawUnsafe('RELEASE SAVEPOINT inline_sets');
    } catch (error) {
      if (!violatesConstraint(error, PREFERENCE_SET_SIZE_CHECK)) throw error;
      await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT inline_sets');
      await tx.$executeRawUnsafe('RELEASE SAVEPOINT inline_sets');
      const tooLarge = await tx.$queryRawUnsafe<{ collection: string; id: string; set_id: string }[]>(TOO_LARGE, environmentId, patches);
      // Found by what is stored now; a concurrent write could make it pass while this one looked: fail as it did.
      if (tooLarge.length === 0) throw error;
      throw new InlineSetsRefusedError(tooLarge.map((row) => ({ recipient: { collection: row.collection, id: row.id }, setId: row.set_id, limit: 'size' })), limit);
    }
    if (pastLimit.length > 0) throw new InlineSetsRefusedError(pastLimit.map((recipient) => ({ recipient, setId: null, limit: 'sets' })), limit);
  }
  const channels = writes.filter((write) => write.channelData).map((write) => ({ recipient: write.recipient, byChannel: write.channelData ?? {} }));
  await writeChannelData(tx, environmentId, channels);
}

/**
 * Writes up to 1,000 recipients of one collection (identify, set object, their bulk kinds) in the
 * caller's transaction: their rows as `writeRecipientBatch` does, then their inline data. Throws as
 * either does: StoredPropertiesLimitError before writing, InlineSetsRefusedError after writing part.
 * `changedBy`: as for writeInlineData.
 */
export async function writeRecipients(
  tx: Queryable,
  environmentId: string,
  collection: string,
  items: RecipientInput[],
  limits: InlineLimits = {},
  changedBy?: ChangeSource,
): Promise<RecipientRecord[]> {
  const records = await writeRecipientBatch(tx, environmentId, collection, items);
  const inline = items.filter((item) => item.preferences || item.channelData);
  if (inline.length > 0) {
    const writes = inline.map((item) => ({ recipient: { collection, id: item.id }, preferences: item.preferences, channelData: item.channelData }));
    await writeInlineData(tx, environmentId, writes, limits, changedBy);
  }
  return records;
}
