import type { JsonValue, PreferenceDocument, RecipientLayers, StoredRecipient, StoredTenant } from '@prefs/core';
import type { Queryable } from './client';

/**
 * Everything an evaluation of up to 1,000 recipients reads, in one set-based statement: the environment's
 * default set, the tenant, and, for every recipient at once, their stored properties, their `default` set
 * and their set for the tenant. Never one statement per recipient.
 */

/** The tenant's row as PostgreSQL builds it. */
interface TenantJson {
  id: string;
  name: string | null;
  properties: Record<string, JsonValue>;
  preference_set: PreferenceDocument | null;
}

interface InputsRow {
  environment_default: string | null;
  tenant: string | null;
  users: string;
}

/** [id, properties, default set, tenant set], as PostgreSQL aggregates them. */
type UserTuple = [string, Record<string, JsonValue> | null, PreferenceDocument | null, PreferenceDocument | null];

/**
 * What one decision looks at: the requested categories, the workflow, the channel. Given one, every set is
 * read cut down to those entries (plus `channel_types` and `commercial_subscribed`, which are small): the
 * merge works key by key, so merging the cut-down layers gives the cut-down effective set, and a decision
 * never looks elsewhere. It reads a fraction of the bytes of whole sets.
 */
export interface EvaluationScope {
  categories: readonly string[];
  workflowKey: string;
  channelId: string | null;
}

/** SQL for `document` (a jsonb expression) cut down to the scope in parameters $4 (categories), $5 (workflow), $6 (channel id). */
function cutDown(document: string): string {
  const entry = (field: string, key: string) => `(${document}->'${field}')->${key}`;
  return `(CASE WHEN ${document} IS NULL THEN NULL ELSE
      (CASE WHEN ${document}->'channel_types' IS NOT NULL THEN jsonb_build_object('channel_types', ${document}->'channel_types') ELSE '{}'::jsonb END)
   || (CASE WHEN ${document}->'commercial_subscribed' IS NOT NULL THEN jsonb_build_object('commercial_subscribed', ${document}->'commercial_subscribed') ELSE '{}'::jsonb END)
   || (CASE WHEN jsonb_typeof(${document}->'channels') = 'object' THEN jsonb_build_object('channels',
        (SELECT coalesce(jsonb_object_agg(k, ${entry('channels', 'k')}), '{}'::jsonb)
           FROM unnest(ARRAY[$6::text, '__strategy__']) AS k WHERE ${entry('channels', 'k')} IS NOT NULL)) ELSE '{}'::jsonb END)
   || (CASE WHEN jsonb_typeof(${document}->'categories') = 'object' THEN jsonb_build_object('categories',
        (SELECT coalesce(jsonb_object_agg(k, ${entry('categories', 'k')}), '{}'::jsonb)
           FROM jsonb_array_elements_text($4::jsonb) AS k WHERE ${entry('categories', 'k')} IS NOT NULL)) ELSE '{}'::jsonb END)
   || (CASE WHEN ${entry('workflows', '$5::text')} IS NOT NULL
        THEN jsonb_build_object('workflows', jsonb_build_object($5::text, ${entry('workflows', '$5::text')})) ELSE '{}'::jsonb END)
  END)`;
}

/**
 * One statement, one row: the layers and every recipient's row aggregated into JSON text by PostgreSQL
 * and parsed here once. Returning 1,000 rows of jsonb instead cost several times more CPU in the client
 * (per-row and per-value conversion) than the evaluation itself.
 */
function readInputsSql(scoped: boolean): string {
  const set = (document: string) => (scoped ? cutDown(document) : document);
  return `
  WITH ids(id) AS (SELECT DISTINCT jsonb_array_elements_text($2::jsonb))
  SELECT
    (SELECT ${set('preferences')} FROM environment_defaults WHERE environment_id = $1::uuid)::text AS environment_default,
    (SELECT json_build_object('id', t.id, 'name', t.name, 'properties', t.properties, 'preference_set', ${set('t.preference_set')})
       FROM tenants t WHERE t.environment_id = $1::uuid AND t.id = $3)::text AS tenant,
    (SELECT coalesce(json_agg(json_build_array(ids.id, u.properties, ${set('d.preferences')}, ${set('ts.preferences')})), '[]'::json)
       FROM ids
       LEFT JOIN users u ON u.environment_id = $1::uuid AND u.id = ids.id
       LEFT JOIN preference_sets d ON d.environment_id = $1::uuid AND d.user_id = ids.id AND d.set_id = 'default'
       LEFT JOIN preference_sets ts ON ts.environment_id = $1::uuid AND ts.user_id = ids.id AND ts.set_id = $3
       WHERE u.id IS NOT NULL OR d.user_id IS NOT NULL OR ts.user_id IS NOT NULL)::text AS users`;
}

const READ_WHOLE = readInputsSql(false);
const READ_SCOPED = readInputsSql(true);

/** With a scope, the sets come cut down to it (see EvaluationScope); without one, whole. */
export async function readEvaluationInputs(
  db: Queryable,
  environmentId: string,
  userIds: readonly string[],
  tenantId: string | null,
  scope: EvaluationScope | null = null,
): Promise<RecipientLayers> {
  const ids = JSON.stringify(userIds);
  const [row] =
    scope === null
      ? await db.$queryRawUnsafe<InputsRow[]>(READ_WHOLE, environmentId, ids, tenantId)
      : await db.$queryRawUnsafe<InputsRow[]>(READ_SCOPED, environmentId, ids, tenantId, JSON.stringify(scope.categories), scope.workflowKey, scope.channelId);
  const tenant = row.tenant === null ? null : (JSON.parse(row.tenant) as TenantJson);
  const users = JSON.parse(row.users) as UserTuple[];
  return {
    environmentDefault: row.environment_default === null ? null : (JSON.parse(row.environment_default) as PreferenceDocument),
    tenant: tenant === null ? null : ({ id: tenant.id, name: tenant.name, properties: tenant.properties, preferenceSet: tenant.preference_set } satisfies StoredTenant),
    // Only the users with something stored: a missing id has no properties and no sets.
    users: new Map(users.map(([id, properties, defaultSet, tenantSet]) => [id, { properties, defaultSet, tenantSet } satisfies StoredRecipient])),
  };
}
