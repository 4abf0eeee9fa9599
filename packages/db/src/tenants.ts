import {
  applyPreferences,
  mergeProperties,
  StoredPropertiesLimitError,
  TENANTS_COLLECTION,
  withinStoredLimits,
  type JsonValue,
  type PreferenceDocument,
  type TenantBranding,
  type TenantInput,
  type TenantRecord,
} from '@prefs/core';
import { TRANSACTION_OPTIONS, type Database, type Queryable } from './client';
import { writeInlineData } from './recipient-writes';
import { keysetPage, type KeysetListing, type KeysetPosition } from './keyset-page';

interface TenantRow {
  id: string;
  name: string | null;
  properties: Record<string, JsonValue>;
  branding: TenantBranding | null;
  preference_set: PreferenceDocument | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, properties, branding, preference_set, created_at, updated_at';

function toRecord(row: TenantRow): TenantRecord {
  return {
    id: row.id,
    name: row.name,
    properties: row.properties,
    branding: row.branding,
    preferenceSet: row.preference_set,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function getTenant(db: Queryable, environmentId: string, id: string): Promise<TenantRecord | null> {
  const rows = await db.$queryRawUnsafe<TenantRow[]>(
    `SELECT ${COLUMNS} FROM tenants WHERE environment_id = $1::uuid AND id = $2`,
    environmentId,
    id,
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Branding merges key by key; a null removes a key, and a branding left empty is none. */
function nextBranding(stored: TenantBranding | null, sent: TenantBranding | null | undefined): TenantBranding | null {
  if (sent === undefined) return stored;
  if (sent === null) return null;
  const merged = mergeProperties((stored ?? {}) as Record<string, JsonValue>, sent as Record<string, JsonValue>);
  return Object.keys(merged).length > 0 ? (merged as TenantBranding) : null;
}

/** What a PUT makes of a stored tenant: the spec's semantics, in one place for one tenant or a batch. */
function applyTenantInput(stored: TenantRecord, input: TenantInput): TenantRecord {
  let preferenceSet = stored.preferenceSet;
  if (input.preferenceSet === null) preferenceSet = null;
  else if (input.preferenceSet) preferenceSet = applyPreferences(input.preferenceSet.strategy, stored.preferenceSet, input.preferenceSet.document);
  // Inline `preferences.default` always merges, after settings.preference_set (recipients.md).
  if (input.inlinePreferences) preferenceSet = applyPreferences('merge', preferenceSet, input.inlinePreferences);
  return {
    ...stored,
    name: input.name === undefined ? stored.name : input.name,
    properties: mergeProperties(stored.properties, input.properties),
    branding: nextBranding(stored.branding, input.branding),
    preferenceSet,
  };
}

/**
 * Sets up to 1,000 tenants with PUT's semantics, in three set-based statements: create the missing rows
 * empty, lock every row (in id order, so concurrent batches cannot deadlock), write the merged rows back.
 * Items naming the same tenant apply in their order. Run it in a transaction (the locks must hold until
 * the write); then the tenants' inline channel data (under TENANTS_COLLECTION). Returns each distinct
 * tenant as stored, in id order. Throws StoredPropertiesLimitError (writing nothing) when a tenant's
 * merged properties would pass the stored limits; its `ids` name them.
 */
export async function writeTenantBatch(tx: Queryable, environmentId: string, items: TenantInput[]): Promise<TenantRecord[]> {
  if (items.length === 0) return [];
  const ids = [...new Set(items.map((item) => item.id))].sort();
  await tx.$executeRawUnsafe(
    `INSERT INTO tenants (environment_id, id)
     SELECT $1::uuid, ids.id FROM jsonb_array_elements_text($2::jsonb) AS ids(id) ORDER BY ids.id
     ON CONFLICT (environment_id, id) DO NOTHING`,
    environmentId,
    JSON.stringify(ids),
  );
  const rows = await tx.$queryRawUnsafe<TenantRow[]>(
    `SELECT ${COLUMNS} FROM tenants
     WHERE environment_id = $1::uuid AND id IN (SELECT jsonb_array_elements_text($2::jsonb))
     ORDER BY id FOR UPDATE`,
    environmentId,
    JSON.stringify(ids),
  );
  const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
  for (const item of items) {
    const stored = byId.get(item.id);
    if (!stored) throw new Error(`tenant ${item.id} vanished while its batch held it`);
    byId.set(item.id, applyTenantInput(stored, item));
  }
  const written = [...byId.values()];
  const overLimit = written.filter((tenant) => !withinStoredLimits(tenant.properties)).map((tenant) => tenant.id);
  if (overLimit.length > 0) throw new StoredPropertiesLimitError(overLimit);
  const updated = await tx.$queryRawUnsafe<TenantRow[]>(
    `UPDATE tenants SET name = batch.name, properties = batch.properties, branding = batch.branding,
       preference_set = batch.preference_set, updated_at = now()
     FROM jsonb_to_recordset($2::jsonb) AS batch(id text, name text, properties jsonb, branding jsonb, preference_set jsonb)
     WHERE tenants.environment_id = $1::uuid AND tenants.id = batch.id
     RETURNING tenants.id, tenants.name, tenants.properties, tenants.branding, tenants.preference_set, tenants.created_at, tenants.updated_at`,
    environmentId,
    JSON.stringify(
      written.map((tenant) => ({
        id: tenant.id,
        name: tenant.name,
        properties: tenant.properties,
        branding: tenant.branding,
        preference_set: tenant.preferenceSet,
      })),
    ),
  );
  const channels = items.filter((item) => item.channelData).map((item) => ({ recipient: { collection: TENANTS_COLLECTION, id: item.id }, channelData: item.channelData }));
  if (channels.length > 0) await writeInlineData(tx, environmentId, channels);
  return updated.map(toRecord).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Creates or updates one tenant (PUT /v1/tenants/:id) and returns it as stored. */
export async function setTenant(db: Database, environmentId: string, input: TenantInput): Promise<TenantRecord> {
  const [tenant] = await db.$transaction((tx) => writeTenantBatch(tx, environmentId, [input]), TRANSACTION_OPTIONS);
  return tenant;
}

/** A place in the newest-first listing of tenants: keyset pagination on (created_at, id). */
export interface TenantPosition {
  /** ISO-8601 with milliseconds, exactly as stored (the column has millisecond precision). */
  createdAt: string;
  id: string;
}

export interface ListTenantsArgs {
  environmentId: string;
  pageSize: number;
  /** Only tenants with exactly this name. */
  name?: string | null;
  /** Only the tenant with this id. */
  tenantId?: string | null;
  /** Entries older than this position (the next page). */
  after?: TenantPosition | null;
  /** Entries newer than this position (the previous page). */
  before?: TenantPosition | null;
}

export interface TenantPage {
  /** Newest first. */
  entries: TenantRecord[];
  after: TenantPosition | null;
  before: TenantPosition | null;
}

const TENANTS = (args: ListTenantsArgs): KeysetListing<TenantRow, TenantRecord> => ({
  table: 'tenants',
  columns: COLUMNS,
  atColumn: 'created_at',
  idCast: 'text',
  filters: { name: { value: args.name, cast: 'text' }, id: { value: args.tenantId, cast: 'text' } },
  toEntry: toRecord,
  positionOf: (tenant) => ({ at: tenant.createdAt, id: tenant.id }),
});

const toKeyset = (position: TenantPosition | null) => position && { at: position.createdAt, id: position.id };
const fromKeyset = (position: KeysetPosition | null) => position && { createdAt: position.at, id: position.id };

/** One page of an environment's tenants, newest first (see keyset-page.ts). */
export async function listTenants(db: Queryable, args: ListTenantsArgs): Promise<TenantPage> {
  const page = await keysetPage(db, TENANTS(args), { environmentId: args.environmentId, pageSize: args.pageSize, after: toKeyset(args.after ?? null), before: toKeyset(args.before ?? null) });
  return { entries: page.entries, after: fromKeyset(page.after), before: fromKeyset(page.before) };
}
