import { StoredPropertiesLimitError, uniteChannelData, USERS_COLLECTION, withinStoredLimits, type ChannelDataValue, type JsonValue, type UserRecord } from '@prefs/core';
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

      // The sets stay in PostgreSQL (a recipient may hold 1,000 of 64 KiB): those the target lacks move over,
      // those both hold are merged there with the shared merge, the target's set as the patch.
      const limit = limits.setsPerRecipient;
      if (limit !== undefined) {
        const [count] = await tx.$queryRawUnsafe<{ held: number; after: number }[]>(
          `SELECT count(*) FILTER (WHERE recipient_id = $3)::int AS held, count(DISTINCT set_id)::int AS after
           FROM preference_sets WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = ANY(ARRAY[$3, $4])`,
          environmentId,
          USERS_COLLECTION,
          targetId,
          sourceId,
        );
        if (count && count.after > Math.max(limit, count.held)) throw new PreferenceSetLimitError(limit);
      }
      await tx.$executeRawUnsafe(
        `UPDATE preference_sets AS mine SET preferences = prefs_merge_preferences(theirs.preferences, mine.preferences), updated_at = now()
         FROM preference_sets AS theirs
         WHERE mine.environment_id = $1::uuid AND mine.recipient_collection = $2 AND mine.recipient_id = $3
           AND theirs.environment_id = $1::uuid AND theirs.recipient_collection = $2 AND theirs.recipient_id = $4 AND theirs.set_id = mine.set_id`,
        environmentId,
        USERS_COLLECTION,
        targetId,
        sourceId,
      );
      await tx.$executeRawUnsafe(
        `UPDATE preference_sets AS theirs SET recipient_id = $3, updated_at = now()
         WHERE theirs.environment_id = $1::uuid AND theirs.recipient_collection = $2 AND theirs.recipient_id = $4
           AND NOT EXISTS (SELECT 1 FROM preference_sets AS mine WHERE mine.environment_id = $1::uuid AND mine.recipient_collection = $2
                             AND mine.recipient_id = $3 AND mine.set_id = theirs.set_id)`,
        environmentId,
        USERS_COLLECTION,
        targetId,
        sourceId,
      );

      // Channels the target lacks move over in PostgreSQL; only channels both hold come here to be united.
      await tx.$executeRawUnsafe(
        `UPDATE channel_data AS theirs SET recipient_id = $3, updated_at = now()
         WHERE theirs.environment_id = $1::uuid AND theirs.recipient_collection = $2 AND theirs.recipient_id = $4
           AND NOT EXISTS (SELECT 1 FROM channel_data AS mine WHERE mine.environment_id = $1::uuid AND mine.recipient_collection = $2
                             AND mine.recipient_id = $3 AND mine.channel_id = theirs.channel_id)`,
        environmentId,
        USERS_COLLECTION,
        targetId,
        sourceId,
      );
      const shared = await tx.$queryRawUnsafe<{ channel_id: string; mine: ChannelDataValue; theirs: ChannelDataValue }[]>(
        `SELECT mine.channel_id::text, mine.data AS mine, theirs.data AS theirs
         FROM channel_data AS mine JOIN channel_data AS theirs
           ON theirs.environment_id = mine.environment_id AND theirs.recipient_collection = mine.recipient_collection AND theirs.channel_id = mine.channel_id
         WHERE mine.environment_id = $1::uuid AND mine.recipient_collection = $2 AND mine.recipient_id = $3 AND theirs.recipient_id = $4
         ORDER BY mine.channel_id FOR UPDATE`,
        environmentId,
        USERS_COLLECTION,
        targetId,
        sourceId,
      );
      await tx.$executeRawUnsafe(
        `UPDATE channel_data AS mine SET data = united.data, updated_at = now()
         FROM jsonb_to_recordset($4::jsonb) AS united(channel_id text, data jsonb)
         WHERE mine.environment_id = $1::uuid AND mine.recipient_collection = $2 AND mine.recipient_id = $3 AND mine.channel_id = united.channel_id::uuid`,
        environmentId,
        USERS_COLLECTION,
        targetId,
        JSON.stringify(shared.map((row) => ({ channel_id: row.channel_id, data: uniteChannelData(row.mine, row.theirs) }))),
      );

      // Subscriptions move to the target; where it is already subscribed, its own subscription stays.
      await tx.$executeRawUnsafe(
        `INSERT INTO subscriptions (environment_id, object_collection, object_id, recipient_collection, recipient_id, properties, inserted_at, updated_at)
         SELECT environment_id, object_collection, object_id, recipient_collection, $3, properties, inserted_at, now() FROM subscriptions
         WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = $4
         ON CONFLICT DO NOTHING`,
        environmentId,
        USERS_COLLECTION,
        targetId,
        sourceId,
      );
      await tx.$executeRawUnsafe(`DELETE FROM subscriptions WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = $3`, environmentId, USERS_COLLECTION, sourceId);

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
      await tx.$executeRawUnsafe(`DELETE FROM audience_members WHERE environment_id = $1::uuid AND user_id = $2`, environmentId, sourceId);
      for (const table of ['preference_sets', 'channel_data']) {
        await tx.$executeRawUnsafe(`DELETE FROM ${table} WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = $3`, environmentId, USERS_COLLECTION, sourceId);
      }
      await tx.$executeRawUnsafe(`DELETE FROM users WHERE environment_id = $1::uuid AND id = $2`, environmentId, sourceId);
      return getUser(tx, environmentId, targetId);
    }, TRANSACTION_OPTIONS);
  } catch (error) {
    if (error instanceof SourceGoneError) return null;
    if (violatesConstraint(error, PREFERENCE_SET_SIZE_CHECK)) throw new PreferenceSetTooLargeError();
    throw error;
  }
}
