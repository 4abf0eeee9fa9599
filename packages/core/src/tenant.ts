import type { JsonValue } from './custom-properties';
import { toPreferenceSetResource, type PreferenceDocument, type PreferenceSetResource } from './preference-set';
import type { TenantBranding } from './tenant-input';

/** A stored tenant, as `packages/db` reads it. */
export interface TenantRecord {
  id: string;
  name: string | null;
  properties: Record<string, JsonValue>;
  branding: TenantBranding | null;
  /** The tenant's default set, `__strategy__` markers included; null when never set. */
  preferenceSet: PreferenceDocument | null;
  createdAt: string;
  updatedAt: string;
}

export interface TenantResource {
  __typename: 'Tenant';
  id: string;
  name: string | null;
  settings: { branding: TenantBranding | null; preference_set: PreferenceSetResource | null };
  [property: string]: unknown;
}

/** Knock's tenant id for a tenant's default set. */
export const TENANT_PREFERENCE_SET_ID = 'default';

/**
 * Knock's Tenant: custom properties at the top level, under the fields of the resource (a property can
 * never shadow one: the validator refuses those names). `preferenceSet` overrides the stored set (the
 * resolved one of `resolve_full_preference_settings`).
 */
export function toTenantResource(record: TenantRecord, preferenceSet: PreferenceDocument | null = record.preferenceSet): TenantResource {
  return {
    ...record.properties,
    __typename: 'Tenant',
    id: record.id,
    name: record.name,
    settings: {
      branding: record.branding,
      preference_set: preferenceSet === null ? null : toPreferenceSetResource(TENANT_PREFERENCE_SET_ID, preferenceSet),
    },
  };
}
