import type { JsonValue, PreferenceDocument } from '@prefs/core';
import type { Queryable } from './client';

/**
 * Everything an evaluation of up to 1,000 recipients reads, in two set-based statements (run side by
 * side): the environment's default set with the tenant, and, for every recipient at once, their stored
 * properties, their `default` set and their set for the tenant. Never one statement per recipient.
 */

export interface EvaluationTenant {
  id: string;
  name: string | null;
  properties: Record<string, JsonValue>;
  /** The tenant's default set, `__strategy__` markers included; null when never set. */
  preferenceSet: PreferenceDocument | null;
}

export interface EvaluationUser {
  /** Stored (identified) properties; null for a user never identified. */
  properties: Record<string, JsonValue> | null;
  defaultSet: PreferenceDocument | null;
  /** The user's set named after the tenant; null without a tenant or without such a set. */
  tenantSet: PreferenceDocument | null;
}

export interface EvaluationInputs {
  environmentDefault: PreferenceDocument | null;
  /** The stored tenant; null when none was asked for, or it does not exist. */
  tenant: EvaluationTenant | null;
  /** Only the users with something stored: a missing id has no properties and no sets. */
  users: Map<string, EvaluationUser>;
}

interface LayerRow {
  environment_default: PreferenceDocument | null;
  tenant_id: string | null;
  tenant_name: string | null;
  tenant_properties: Record<string, JsonValue> | null;
  tenant_preference_set: PreferenceDocument | null;
}

interface UserRow {
  id: string;
  properties: Record<string, JsonValue> | null;
  default_set: PreferenceDocument | null;
  tenant_set: PreferenceDocument | null;
}

export async function readEvaluationInputs(
  db: Queryable,
  environmentId: string,
  userIds: readonly string[],
  tenantId: string | null,
): Promise<EvaluationInputs> {
  const [layers, users] = await Promise.all([
    db.$queryRawUnsafe<LayerRow[]>(
      `SELECT (SELECT preferences FROM environment_defaults WHERE environment_id = $1::uuid) AS environment_default,
              t.id AS tenant_id, t.name AS tenant_name, t.properties AS tenant_properties, t.preference_set AS tenant_preference_set
       FROM (SELECT 1) AS one
       LEFT JOIN tenants t ON t.environment_id = $1::uuid AND t.id = $2`,
      environmentId,
      tenantId,
    ),
    db.$queryRawUnsafe<UserRow[]>(
      `SELECT ids.id, u.properties, d.preferences AS default_set, t.preferences AS tenant_set
       FROM jsonb_array_elements_text($2::jsonb) AS ids(id)
       LEFT JOIN users u ON u.environment_id = $1::uuid AND u.id = ids.id
       LEFT JOIN preference_sets d ON d.environment_id = $1::uuid AND d.user_id = ids.id AND d.set_id = 'default'
       LEFT JOIN preference_sets t ON t.environment_id = $1::uuid AND t.user_id = ids.id AND t.set_id = $3
       WHERE u.id IS NOT NULL OR d.user_id IS NOT NULL OR t.user_id IS NOT NULL`,
      environmentId,
      JSON.stringify(userIds),
      tenantId,
    ),
  ]);
  const row = layers[0];
  const tenant: EvaluationTenant | null =
    row?.tenant_id == null
      ? null
      : { id: row.tenant_id, name: row.tenant_name, properties: row.tenant_properties ?? {}, preferenceSet: row.tenant_preference_set };
  return {
    environmentDefault: row?.environment_default ?? null,
    tenant,
    users: new Map(users.map((user) => [user.id, { properties: user.properties, defaultSet: user.default_set, tenantSet: user.tenant_set }])),
  };
}
