import { recipientKey, USERS_COLLECTION, type JsonValue, type PreferenceDocument, type RecipientLayers, type RecipientReference, type StoredRecipient, type StoredTenant } from '@prefs/core';
import type { Queryable } from './client';

/**
 * Everything an evaluation of up to 1,000 recipients reads, in one set-based statement: the environment's
 * default set, the tenant, and, for every recipient at once (users and objects alike), their stored
 * properties, their `default` set and their set for the tenant, and a user's audience memberships. Never
 * one statement per recipient.
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
  recipients: string;
  covered: number | null;
}

/** [collection, id, properties, default set, tenant set, audiences], as PostgreSQL aggregates them. */
type RecipientTuple = [string, string, Record<string, JsonValue> | null, PreferenceDocument | null, PreferenceDocument | null, string[] | null];

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
 * One statement, one row: the layers and the recipients' rows aggregated into JSON text by PostgreSQL and
 * parsed here once. Returning 1,000 rows of jsonb instead cost several times more CPU in the client
 * (per-row and per-value conversion) than the evaluation itself. The recipients' rows stop at a byte
 * budget (the last parameter; the first row always comes): stored sets of up to 64 KiB each would
 * otherwise make one text of 64 MB for 1,000 recipients, more than the API's heap can parse.
 * `covered` is then the ordinality of the last id read; null when every id was.
 */
/**
 * The audiences a user is a member of, for the tenant ($3) or none in particular (`users` the SQL of the
 * users' collection); read only in an environment that has audiences (the EXISTS runs once per
 * statement), so others pay nothing for them. Objects are members of none.
 */
const audiences = (users: string) => `CASE WHEN ids.collection = ${users} AND (SELECT EXISTS (SELECT 1 FROM audiences WHERE environment_id = $1::uuid)) THEN
      (SELECT json_agg(DISTINCT am.audience_key) FROM audience_members am
        WHERE am.environment_id = $1::uuid AND am.user_id = ids.id AND am.tenant IN ('', coalesce($3::text, ''))) END`;

/**
 * A recipient's stored properties, from its own table: a user's row or an object's. CASE runs only the
 * subquery of its kind, and OFFSET 0 keeps it one evaluation per recipient (not one per use of it).
 */
const properties = (users: string) => `LEFT JOIN LATERAL (SELECT CASE WHEN ids.collection = ${users}
        THEN (SELECT u.properties FROM users u WHERE u.environment_id = $1::uuid AND u.id = ids.id)
        ELSE (SELECT o.properties FROM objects o WHERE o.environment_id = $1::uuid AND o.collection = ids.collection AND o.id = ids.id) END AS properties
      OFFSET 0) AS stored ON true`;

function readInputsSql(scoped: boolean): string {
  const set = (document: string) => (scoped ? cutDown(document) : document);
  const budget = scoped ? '$7' : '$4';
  // The users' collection ('$users'), after the budget.
  const users = scoped ? '$8::text' : '$5::text';
  return `
  WITH ids(collection, id, ord) AS (SELECT e.recipient->>0, e.recipient->>1, e.ord FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(recipient, ord)),
  found AS (
    SELECT ids.ord, json_build_array(ids.collection, ids.id, stored.properties, ${set('d.preferences')}, ${set('ts.preferences')}, ${audiences(users)})::text AS entry
    FROM ids
    ${properties(users)}
    LEFT JOIN preference_sets d
      ON d.environment_id = $1::uuid AND d.recipient_collection = ids.collection AND d.recipient_id = ids.id AND d.set_id = 'default'
    LEFT JOIN preference_sets ts
      ON ts.environment_id = $1::uuid AND ts.recipient_collection = ids.collection AND ts.recipient_id = ids.id AND ts.set_id = $3
    WHERE stored.properties IS NOT NULL OR d.recipient_id IS NOT NULL OR ts.recipient_id IS NOT NULL),
  sized AS (SELECT ord, entry, sum(octet_length(entry)) OVER (ORDER BY ord) - octet_length(entry) AS before FROM found),
  kept AS (SELECT ord, entry FROM sized WHERE before < ${budget}::bigint)
  SELECT
    (SELECT ${set('preferences')} FROM environment_defaults WHERE environment_id = $1::uuid)::text AS environment_default,
    (SELECT json_build_object('id', t.id, 'name', t.name, 'properties', t.properties, 'preference_set', ${set('t.preference_set')})
       FROM tenants t WHERE t.environment_id = $1::uuid AND t.id = $3)::text AS tenant,
    (SELECT '[' || coalesce(string_agg(entry, ',' ORDER BY ord), '') || ']' FROM kept) AS recipients,
    (SELECT CASE WHEN count(*) = (SELECT count(*) FROM found) THEN NULL ELSE max(ord)::int END FROM kept) AS covered`;
}

const READ_WHOLE = readInputsSql(false);
const READ_SCOPED = readInputsSql(true);

/** Layers read for a prefix of the ids asked: `covered` of them (all, unless a byte budget stopped it). */
export interface EvaluationInputsChunk {
  layers: RecipientLayers;
  covered: number;
}

/**
 * The layers of `recipients` (distinct), stopping once their rows reach `byteBudget` bytes of JSON:
 * a caller reads the rest from `covered` on. With a scope, the sets come cut down to it (see
 * EvaluationScope); without one, whole.
 */
export async function readEvaluationInputsChunk(
  db: Queryable,
  environmentId: string,
  recipients: readonly RecipientReference[],
  tenantId: string | null,
  scope: EvaluationScope | null,
  byteBudget: number,
): Promise<EvaluationInputsChunk> {
  const ids = JSON.stringify(recipients.map((recipient) => [recipient.collection, recipient.id]));
  const [row] =
    scope === null
      ? await db.$queryRawUnsafe<InputsRow[]>(READ_WHOLE, environmentId, ids, tenantId, byteBudget, USERS_COLLECTION)
      : await db.$queryRawUnsafe<InputsRow[]>(READ_SCOPED, environmentId, ids, tenantId, JSON.stringify(scope.categories), scope.workflowKey, scope.channelId, byteBudget, USERS_COLLECTION);
  const tenant = row.tenant === null ? null : (JSON.parse(row.tenant) as TenantJson);
  const stored = JSON.parse(row.recipients) as RecipientTuple[];
  const layers: RecipientLayers = {
    environmentDefault: row.environment_default === null ? null : (JSON.parse(row.environment_default) as PreferenceDocument),
    tenant: tenant === null ? null : ({ id: tenant.id, name: tenant.name, properties: tenant.properties, preferenceSet: tenant.preference_set } satisfies StoredTenant),
    // Only the recipients with something stored: a missing one has no properties and no sets.
    recipients: new Map(
      stored.map(([collection, id, properties, defaultSet, tenantSet, memberships]) => [
        recipientKey({ collection, id }),
        { properties, defaultSet, tenantSet, ...(memberships === null ? {} : { audiences: memberships }) } satisfies StoredRecipient,
      ]),
    ),
  };
  return { layers, covered: row.covered ?? recipients.length };
}

/** Every layer of a few recipients at once (an effective set, a test); a recipient repeated is read once. */
export async function readEvaluationInputs(
  db: Queryable,
  environmentId: string,
  recipients: readonly RecipientReference[],
  tenantId: string | null,
  scope: EvaluationScope | null = null,
): Promise<RecipientLayers> {
  const distinct = [...new Map(recipients.map((recipient) => [recipientKey(recipient), recipient])).values()];
  return (await readEvaluationInputsChunk(db, environmentId, distinct, tenantId, scope, Number.MAX_SAFE_INTEGER)).layers;
}
