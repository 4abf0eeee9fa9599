import { ERROR_ITEM_REASONS } from '@prefs/core';
import { PREFERENCE_SET_SIZE_CHECK, PREFERENCE_SETS_PER_RECIPIENT_CHECK, violatesConstraint } from '../preference-set-errors';
import type { BatchResult } from '../operations/progress';
import { BATCH_COLLECTION, BATCH_USER_IDS } from './preferences-input';

/**
 * The stored limits in a bulk preference write (both kinds). The ordinary batch is one statement that
 * refuses nobody for a limit; if its statement fails on one (the size CHECK, or a set created past the
 * recipient's limit), the batch is written again with the users it names as error items, the rest
 * written. Limits are rare, so only then does a batch pay for finding its users.
 */

/** A limit a batch's statement failed on, whose users the next statement refuses. */
export type StoredLimit = 'size' | 'sets';

/**
 * Whether `user` (SQL) already holds at least `limit` sets in environment `$1`: reads at most `limit`
 * entries of the primary key (environment_id, recipient_collection, recipient_id, set_id), so a user far
 * below it costs a few.
 */
function holdsAtLeast(user: string, limit: string): string {
  return `(SELECT count(*) FROM (SELECT 1 FROM preference_sets AS held
            WHERE held.environment_id = $1::uuid AND held.recipient_collection = ${BATCH_COLLECTION} AND held.recipient_id = ${user} LIMIT ${limit}) AS counted) >= ${limit}`;
}

/**
 * A RETURNING expression for `upsertPreferenceSets` that fails the statement when it inserted a set for a
 * user already holding `limit` (SQL): only inserted rows are counted, so rewriting a held set costs nothing.
 * xmax is 0 only on a row the statement inserted (a row ON CONFLICT updated carries the lock it took), and
 * the count sees the sets as they stood before the statement.
 */
export function refuseSetPastLimit(limit: string): string {
  return `CASE WHEN preference_sets.xmax = 0 THEN CASE WHEN ${holdsAtLeast('preference_sets.recipient_id', limit)}
            THEN prefs_refuse_preference_set_over_limit(${limit}) END END`;
}

/** The batch's users (as `id`, with the `reason`) who do not hold set `$2` and hold `limit` sets already. */
export function usersAtSetLimit(limit: string): string {
  return `SELECT ids.user_id AS id, '${ERROR_ITEM_REASONS.tooManyPreferenceSets}' AS reason FROM (${BATCH_USER_IDS}) AS ids
          WHERE NOT EXISTS (SELECT 1 FROM preference_sets AS stored
                            WHERE stored.environment_id = $1::uuid AND stored.recipient_collection = ${BATCH_COLLECTION}
                              AND stored.recipient_id = ids.user_id AND stored.set_id = $2)
            AND ${holdsAtLeast('ids.user_id', limit)}`;
}

/** The limit `error` is a batch's statement failing on, if it is one. */
function storedLimitOf(error: unknown): StoredLimit | null {
  if (violatesConstraint(error, PREFERENCE_SET_SIZE_CHECK)) return 'size';
  if (violatesConstraint(error, PREFERENCE_SETS_PER_RECIPIENT_CHECK)) return 'sets';
  return null;
}

/**
 * Runs `write` refusing the users of no limit, then, each time its statement fails on a limit, again
 * refusing that limit's users too: at most three statements, the first the ordinary one.
 */
export async function writeWithinSetLimits(write: (refusing: ReadonlySet<StoredLimit>) => Promise<BatchResult>): Promise<BatchResult> {
  const refusing = new Set<StoredLimit>();
  for (;;) {
    try {
      return await write(refusing);
    } catch (error) {
      const limit = storedLimitOf(error);
      if (limit === null || refusing.has(limit)) throw error;
      refusing.add(limit);
    }
  }
}
