import { mergePreferences, StoredPropertiesLimitError, uniteChannelData, USERS_COLLECTION, withinStoredLimits, type ChannelDataValue, type JsonValue, type PreferenceDocument, type UserRecord } from '@prefs/core';
import { TRANSACTION_OPTIONS, type Database } from './client';
import { PREFERENCE_SET_SIZE_CHECK, PreferenceSetLimitError, PreferenceSetTooLargeError, violatesConstraint } from './preference-set-errors';
import { getUser } from './users';

class SourceGoneError extends Error {
  override readonly name = 'SourceGoneError';
}

/**
 * Knock's merge users (`POST /v1/users/:id/merge { from_user_id }`), in one transaction (recipients.md):
 * the target's properties win over the source's; sets the target lacks move over, sets both hold are
 * deep-merged with the target winning; channel data is united (channel by channel, the target's fields
 * winning); audience memberships and unsubscribe events move; the source is then deleted. Null when the
 * source was never identified (nothing is written). The target is created when it does not exist.
 */
export async function mergeUsers(
  db: Database,
  environmentId: string,
  targetId: string,
  sourceId: string,
  limits: { setsPerRecipient?: number } = {},
): Promise<UserRecord | null> {
  try {
    return await db.$transaction(async (tx) => {
      if (!(await getUser(tx, environmentId, sourceId))) return null;
      // Both rows locked in id order, so two merges of the same pair cannot deadlock.
      await tx.$executeRawUnsafe(
        `INSERT INTO users (environment_id, id) VALUES ($1::uuid, $2) ON CONFLICT (environment_id, id) DO NOTHING`,
        environmentId,
        targetId,
      );
      await tx.$queryRawUnsafe(`SELECT 1 FROM users WHERE environment_id = $1::uuid AND id = ANY($2::text[]) ORDER BY id FOR UPDATE`, environmentId, [targetId, sourceId]);
      const [source, target] = await Promise.all([getUser(tx, environmentId, sourceId), getUser(tx, environmentId, targetId)]);
      // The source deleted meanwhile: roll back the target's creation too.
      if (!source || !target) throw new SourceGoneError();

      const properties: Record<string, JsonValue> = { ...source.properties, ...target.properties };
      if (!withinStoredLimits(properties)) throw new StoredPropertiesLimitError([targetId]);
      await tx.$executeRawUnsafe(
        `UPDATE users SET properties = $3::jsonb, created_at = LEAST(created_at, $4::timestamptz), updated_at = now() WHERE environment_id = $1::uuid AND id = $2`,
        environmentId,
        targetId,
        JSON.stringify(properties),
        source.createdAt,
      );

      const sets = await tx.$queryRawUnsafe<{ user_id: string; set_id: string; preferences: PreferenceDocument }[]>(
        `SELECT user_id, set_id, preferences FROM preference_sets WHERE environment_id = $1::uuid AND user_id = ANY($2::text[]) ORDER BY user_id, set_id FOR UPDATE`,
        environmentId,
        [targetId, sourceId],
      );
      const held = new Map(sets.filter((set) => set.user_id === targetId).map((set) => [set.set_id, set.preferences]));
      const merged = sets.filter((set) => set.user_id === sourceId).map((set) => {
        const mine = held.get(set.set_id);
        return { set_id: set.set_id, preferences: mine === undefined ? set.preferences : mergePreferences(set.preferences, mine) };
      });
      const limit = limits.setsPerRecipient;
      if (limit !== undefined && new Set([...held.keys(), ...merged.map((set) => set.set_id)]).size > Math.max(limit, held.size)) throw new PreferenceSetLimitError(limit);
      await tx.$executeRawUnsafe(
        `INSERT INTO preference_sets (environment_id, user_id, set_id, preferences)
         SELECT $1::uuid, $2, merged.set_id, merged.preferences FROM jsonb_to_recordset($3::jsonb) AS merged(set_id text, preferences jsonb) ORDER BY merged.set_id
         ON CONFLICT (environment_id, user_id, set_id) DO UPDATE SET preferences = EXCLUDED.preferences, updated_at = now()`,
        environmentId,
        targetId,
        JSON.stringify(merged),
      );

      const channels = await tx.$queryRawUnsafe<{ recipient_id: string; channel_id: string; data: ChannelDataValue }[]>(
        `SELECT recipient_id, channel_id::text, data FROM channel_data WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = ANY($3::text[]) FOR UPDATE`,
        environmentId,
        USERS_COLLECTION,
        [targetId, sourceId],
      );
      const targetChannels = new Map(channels.filter((row) => row.recipient_id === targetId).map((row) => [row.channel_id, row.data]));
      const united = channels
        .filter((row) => row.recipient_id === sourceId)
        .map((row) => {
          const mine = targetChannels.get(row.channel_id);
          return { channel_id: row.channel_id, data: mine === undefined ? row.data : uniteChannelData(mine, row.data) };
        });
      await tx.$executeRawUnsafe(
        `INSERT INTO channel_data (environment_id, recipient_collection, recipient_id, channel_id, data)
         SELECT $1::uuid, $2, $3, united.channel_id::uuid, united.data FROM jsonb_to_recordset($4::jsonb) AS united(channel_id text, data jsonb) ORDER BY united.channel_id
         ON CONFLICT (environment_id, recipient_collection, recipient_id, channel_id) DO UPDATE SET data = EXCLUDED.data, updated_at = now()`,
        environmentId,
        USERS_COLLECTION,
        targetId,
        JSON.stringify(united),
      );

      await tx.$executeRawUnsafe(
        `INSERT INTO audience_members (environment_id, audience_key, user_id, tenant, added_at)
         SELECT environment_id, audience_key, $2, tenant, added_at FROM audience_members WHERE environment_id = $1::uuid AND user_id = $3
         ON CONFLICT DO NOTHING`,
        environmentId,
        targetId,
        sourceId,
      );
      // The consent evidence of the source is the target's now.
      await tx.$executeRawUnsafe(`UPDATE unsubscribes SET user_id = $2 WHERE environment_id = $1::uuid AND user_id = $3`, environmentId, targetId, sourceId);
      for (const table of ['preference_sets', 'audience_members']) {
        await tx.$executeRawUnsafe(`DELETE FROM ${table} WHERE environment_id = $1::uuid AND user_id = $2`, environmentId, sourceId);
      }
      await tx.$executeRawUnsafe(`DELETE FROM channel_data WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = $3`, environmentId, USERS_COLLECTION, sourceId);
      await tx.$executeRawUnsafe(`DELETE FROM users WHERE environment_id = $1::uuid AND id = $2`, environmentId, sourceId);
      return getUser(tx, environmentId, targetId);
    }, TRANSACTION_OPTIONS);
  } catch (error) {
    if (error instanceof SourceGoneError) return null;
    if (violatesConstraint(error, PREFERENCE_SET_SIZE_CHECK)) throw new PreferenceSetTooLargeError();
    throw error;
  }
}
