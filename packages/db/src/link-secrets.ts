import { randomBytes } from 'node:crypto';
import { UUID } from '@prefs/core';
import type { Queryable } from './client';

/**
 * The secrets that sign an environment's end-user links (preference center and unsubscribe). The newest
 * secret not retired is the current one and signs new links; every secret not retired verifies. Rotation
 * makes a new current secret; links signed by an older one keep working until it is retired.
 */
export interface LinkSecret {
  id: string;
  environmentId: string;
  /** 32 random bytes. */
  secret: Buffer;
  createdAt: string;
  retiredAt: string | null;
}

interface LinkSecretRow {
  id: string;
  environment_id: string;
  secret: string;
  created_at: Date;
  retired_at: Date | null;
}

// The key travels as base64 text: one representation whatever the driver makes of bytea.
const COLUMNS = "id::text, environment_id::text, encode(secret, 'base64') AS secret, created_at, retired_at";

function toSecret(row: LinkSecretRow): LinkSecret {
  return {
    id: row.id,
    environmentId: row.environment_id,
    secret: Buffer.from(row.secret, 'base64'),
    createdAt: row.created_at.toISOString(),
    retiredAt: row.retired_at ? row.retired_at.toISOString() : null,
  };
}

/** One secret by id, retired or not (the caller checks its environment and state); null when unknown. */
export async function findLinkSecret(db: Queryable, id: string): Promise<LinkSecret | null> {
  if (!UUID.test(id)) return null;
  const rows = await db.$queryRawUnsafe<LinkSecretRow[]>(`SELECT ${COLUMNS} FROM link_secrets WHERE id = $1::uuid`, id);
  return rows[0] ? toSecret(rows[0]) : null;
}

/** A new secret, which becomes the environment's current one. */
export async function rotateLinkSecret(db: Queryable, environmentId: string): Promise<LinkSecret> {
  const rows = await db.$queryRawUnsafe<LinkSecretRow[]>(
    `INSERT INTO link_secrets (environment_id, secret) VALUES ($1::uuid, decode($2, 'base64')) RETURNING ${COLUMNS}`,
    environmentId,
    randomBytes(32).toString('base64'),
  );
  return toSecret(rows[0]);
}

/** The secret that signs new links: the newest not retired, made on first use. */
export async function currentLinkSecret(db: Queryable, environmentId: string): Promise<LinkSecret> {
  const rows = await db.$queryRawUnsafe<LinkSecretRow[]>(
    `SELECT ${COLUMNS} FROM link_secrets WHERE environment_id = $1::uuid AND retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1`,
    environmentId,
  );
  // Two first uses at once may each make one: both verify, and the newer one signs from then on.
  return rows[0] ? toSecret(rows[0]) : rotateLinkSecret(db, environmentId);
}

export async function listLinkSecrets(db: Queryable, environmentId: string): Promise<LinkSecret[]> {
  const rows = await db.$queryRawUnsafe<LinkSecretRow[]>(
    `SELECT ${COLUMNS} FROM link_secrets WHERE environment_id = $1::uuid ORDER BY created_at DESC, id DESC`,
    environmentId,
  );
  return rows.map(toSecret);
}

/**
 * Retires one secret (by id), or, without an id, every secret older than the current one: links they
 * signed stop working. Returns the ids retired (none when there was nothing to retire).
 */
export async function retireLinkSecrets(db: Queryable, environmentId: string, id?: string): Promise<string[]> {
  if (id !== undefined) {
    if (!UUID.test(id)) return [];
    const rows = await db.$queryRawUnsafe<{ id: string }[]>(
      'UPDATE link_secrets SET retired_at = now() WHERE environment_id = $1::uuid AND id = $2::uuid AND retired_at IS NULL RETURNING id::text',
      environmentId,
      id,
    );
    return rows.map((row) => row.id);
  }
  const rows = await db.$queryRawUnsafe<{ id: string }[]>(
    `UPDATE link_secrets SET retired_at = now()
     WHERE environment_id = $1::uuid AND retired_at IS NULL
       AND id <> (SELECT id FROM link_secrets WHERE environment_id = $1::uuid AND retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1)
     RETURNING id::text`,
    environmentId,
  );
  return rows.map((row) => row.id);
}

/** The id of the environment named `name`, for the command line; null when there is none. */
export async function findEnvironmentId(db: Queryable, name: string): Promise<string | null> {
  const rows = await db.$queryRawUnsafe<{ id: string }[]>('SELECT id::text FROM environments WHERE name = $1', name);
  return rows[0]?.id ?? null;
}
