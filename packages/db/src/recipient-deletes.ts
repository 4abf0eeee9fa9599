/**
 * What deleting any recipient removes beside its own row, as common table expressions of one statement:
 * its preference sets, channel data and subscriptions as a subscriber. `$1` is the environment, `$2` the
 * recipients' collection (USERS_COLLECTION for users), `ids` a query of their ids (one text column).
 */
export function recipientBelongingsDeletes(ids: string): string {
  return `deleted_sets AS (DELETE FROM preference_sets WHERE environment_id = $1::uuid AND recipient_collection = $2::text AND recipient_id IN (${ids})),
       deleted_channels AS (DELETE FROM channel_data WHERE environment_id = $1::uuid AND recipient_collection = $2::text AND recipient_id IN (${ids})),
       deleted_subscriptions AS (DELETE FROM subscriptions WHERE environment_id = $1::uuid AND recipient_collection = $2::text AND recipient_id IN (${ids}))`;
}

/**
 * Deleting objects of collection `$2` (ids: a query of them): their rows, what every recipient has
 * (recipientBelongingsDeletes), and the subscriptions to them.
 */
export function objectDeletes(ids: string): string {
  return `deleted_objects AS (DELETE FROM objects WHERE environment_id = $1::uuid AND collection = $2::text AND id IN (${ids})),
       ${recipientBelongingsDeletes(ids)},
       deleted_subscribers AS (DELETE FROM subscriptions WHERE environment_id = $1::uuid AND object_collection = $2::text AND object_id IN (${ids}))`;
}
