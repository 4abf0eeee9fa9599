import type { AudienceMemberInput, UserRecord } from '@prefs/core';
import { TRANSACTION_OPTIONS, type Database, type Queryable } from './client';
import { writeUserBatch } from './users';

/** Knock's audiences: memberships of users (optionally for a tenant) in named groups. */

export interface AudienceMemberRecord {
  userId: string;
  /** null: a membership for no tenant in particular. */
  tenant: string | null;
  addedAt: string;
  user: UserRecord;
}

/** Where a page of members ends: the keyset (added_at DESC, user_id, tenant). */
export interface AudienceMemberPosition {
  addedAt: string;
  userId: string;
  tenant: string | null;
}

// Stored as '' (tenant ids are never empty), so that one membership is one row of the primary key.
const NO_TENANT = '';
const storedTenant = (tenant: string | null) => tenant ?? NO_TENANT;

async function audienceExists(db: Queryable, environmentId: string, key: string): Promise<boolean> {
  const rows = await db.$queryRawUnsafe<{ found: boolean }[]>(
    'SELECT EXISTS (SELECT 1 FROM audiences WHERE environment_id = $1::uuid AND key = $2) AS found',
    environmentId,
    key,
  );
  return rows[0]?.found === true;
}

/**
 * Adds members, identifying each user (properties merged, as identify does) in the same transaction.
 * An existing membership is left as it is. False, writing nothing, when the audience does not exist and
 * `createAudience` is not set. Throws StoredPropertiesLimitError as `writeUserBatch` does.
 */
export async function addAudienceMembers(db: Database, environmentId: string, key: string, members: AudienceMemberInput[], options: { createAudience: boolean }): Promise<boolean> {
  return db.$transaction(async (tx) => {
    if (options.createAudience) {
      await tx.$executeRawUnsafe('INSERT INTO audiences (environment_id, key) VALUES ($1::uuid, $2) ON CONFLICT DO NOTHING', environmentId, key);
    } else if (!(await audienceExists(tx, environmentId, key))) {
      return false;
    }
    await writeUserBatch(tx, environmentId, members.map((member) => member.user));
    await tx.$executeRawUnsafe(
      `INSERT INTO audience_members (environment_id, audience_key, user_id, tenant)
       SELECT $1::uuid, $2, member.user_id, member.tenant FROM jsonb_to_recordset($3::jsonb) AS member(user_id text, tenant text)
       ORDER BY member.user_id, member.tenant
       ON CONFLICT DO NOTHING`,
      environmentId,
      key,
      JSON.stringify(members.map((member) => ({ user_id: member.user.id, tenant: storedTenant(member.tenant) }))),
    );
    return true;
  }, TRANSACTION_OPTIONS);
}

/** Removes these memberships (each for its tenant, or none); false when the audience does not exist. */
export async function removeAudienceMembers(db: Queryable, environmentId: string, key: string, members: { userId: string; tenant: string | null }[]): Promise<boolean> {
  if (!(await audienceExists(db, environmentId, key))) return false;
  await db.$executeRawUnsafe(
    `DELETE FROM audience_members AS stored USING jsonb_to_recordset($3::jsonb) AS member(user_id text, tenant text)
     WHERE stored.environment_id = $1::uuid AND stored.audience_key = $2 AND stored.user_id = member.user_id AND stored.tenant = member.tenant`,
    environmentId,
    key,
    JSON.stringify(members.map((member) => ({ user_id: member.userId, tenant: storedTenant(member.tenant) }))),
  );
  return true;
}

interface MemberRow {
  user_id: string;
  tenant: string;
  added_at: Date;
  properties: UserRecord['properties'];
  created_at: Date;
  updated_at: Date;
}

/**
 * One page of an audience's members, newest first, each with its user; null when the audience does not
 * exist. `after`: where the previous page ended.
 */
export async function listAudienceMembers(
  db: Queryable,
  environmentId: string,
  key: string,
  page: { pageSize: number; after: AudienceMemberPosition | null },
): Promise<{ entries: AudienceMemberRecord[]; after: AudienceMemberPosition | null } | null> {
  if (!(await audienceExists(db, environmentId, key))) return null;
  const after = page.after;
  const rows = await db.$queryRawUnsafe<MemberRow[]>(
    `SELECT m.user_id, m.tenant, m.added_at, u.properties, u.created_at, u.updated_at
     FROM audience_members m JOIN users u ON u.environment_id = m.environment_id AND u.id = m.user_id
     WHERE m.environment_id = $1::uuid AND m.audience_key = $2
       AND ($3::timestamptz IS NULL OR m.added_at < $3::timestamptz OR (m.added_at = $3::timestamptz AND (m.user_id, m.tenant) > ($4::text, $5::text)))
     ORDER BY m.added_at DESC, m.user_id, m.tenant LIMIT $6`,
    environmentId,
    key,
    after?.addedAt ?? null,
    after?.userId ?? null,
    after === null ? null : storedTenant(after.tenant),
    page.pageSize + 1,
  );
  const entries = rows.slice(0, page.pageSize).map((row) => ({
    userId: row.user_id,
    tenant: row.tenant === NO_TENANT ? null : row.tenant,
    addedAt: row.added_at.toISOString(),
    user: { id: row.user_id, properties: row.properties, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() },
  }));
  const last = entries[entries.length - 1];
  return { entries, after: rows.length > page.pageSize && last ? { addedAt: last.addedAt, userId: last.userId, tenant: last.tenant } : null };
}
