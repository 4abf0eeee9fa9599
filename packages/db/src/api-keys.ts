import { createHash, randomBytes } from 'node:crypto';
import type { Database } from './client';

/** A secret key (`sk_`) is for servers; a public key (`pk_`) names an environment to browsers. */
export type ApiKeyKind = 'secret' | 'public';

const KEY_MARKER: Record<ApiKeyKind, string> = { secret: 'sk_', public: 'pk_' };

/** What `keys list` shows of a key: enough to tell keys apart (54 random bits), far too little to use one. */
const PREFIX_LENGTH = 12;

/** What names a key in listings, logs and history: its first characters, never the key. */
export function keyPrefixOf(key: string): string {
  return key.slice(0, PREFIX_LENGTH);
}

/** Keys look like Knock's: `sk_` or `pk_` and 43 URL-safe characters (32 random bytes). */
export function generateApiKey(kind: ApiKeyKind): string {
  return `${KEY_MARKER[kind]}${randomBytes(32).toString('base64url')}`;
}

export function generateSecretKey(): string {
  return generateApiKey('secret');
}

export function hashSecretKey(secretKey: string): string {
  return createHash('sha256').update(secretKey).digest('hex');
}

export interface KeyOwner {
  environmentId: string;
  environmentName: string;
}

/** A key as the API's key cache holds it. */
export interface ApiKeyRecord extends KeyOwner {
  id: string;
  kind: ApiKeyKind;
  revoked: boolean;
}

/** One indexed lookup by hash; revoked keys are returned (marked) so a cache can drop them. */
export async function findApiKeyByHash(db: Database, keyHash: string): Promise<ApiKeyRecord | null> {
  const key = await db.apiKey.findUnique({
    where: { keyHash },
    select: { id: true, kind: true, revokedAt: true, environment: { select: { id: true, name: true } } },
  });
  if (!key) return null;
  return {
    id: key.id,
    kind: key.kind as ApiKeyKind,
    revoked: key.revokedAt !== null,
    environmentId: key.environment.id,
    environmentName: key.environment.name,
  };
}

/** The environment of an active secret key, or null. */
export async function findEnvironmentBySecretKey(db: Database, secretKey: string): Promise<KeyOwner | null> {
  const key = await findApiKeyByHash(db, hashSecretKey(secretKey));
  if (!key || key.revoked || key.kind !== 'secret') return null;
  return { environmentId: key.environmentId, environmentName: key.environmentName };
}

async function ensureEnvironment(db: Database, environmentName: string) {
  return db.environment.upsert({ where: { name: environmentName }, create: { name: environmentName }, update: {} });
}

/** Makes sure the environment exists and owns this key; harmless to repeat. */
export async function ensureApiKey(db: Database, environmentName: string, key: string, kind: ApiKeyKind): Promise<KeyOwner> {
  const environment = await ensureEnvironment(db, environmentName);
  const keyHash = hashSecretKey(key);
  const existing = await db.apiKey.findUnique({ where: { keyHash }, include: { environment: true } });
  if (existing) return { environmentId: existing.environmentId, environmentName: existing.environment.name };
  await db.apiKey.upsert({
    where: { keyHash },
    create: { environmentId: environment.id, keyHash, keyPrefix: keyPrefixOf(key), kind },
    update: {},
  });
  return { environmentId: environment.id, environmentName: environment.name };
}

export async function ensureSecretKey(db: Database, environmentName: string, secretKey: string): Promise<KeyOwner> {
  return ensureApiKey(db, environmentName, secretKey, 'secret');
}

/** Creates a new key for the environment (creating the environment if needed); returns it once. */
export async function createApiKey(db: Database, environmentName: string, kind: ApiKeyKind): Promise<{ key: string; prefix: string } & KeyOwner> {
  const key = generateApiKey(kind);
  const owner = await ensureApiKey(db, environmentName, key, kind);
  return { key, prefix: keyPrefixOf(key), ...owner };
}

export async function createSecretKey(db: Database, environmentName: string): Promise<{ secretKey: string } & KeyOwner> {
  const { key, environmentId, environmentName: name } = await createApiKey(db, environmentName, 'secret');
  return { secretKey: key, environmentId, environmentName: name };
}

export interface ApiKeyListing {
  prefix: string;
  kind: ApiKeyKind;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** The keys of an environment, oldest first; null when there is no such environment. */
export async function listApiKeys(db: Database, environmentName: string): Promise<ApiKeyListing[] | null> {
  const environment = await db.environment.findUnique({ where: { name: environmentName }, select: { id: true } });
  if (!environment) return null;
  const keys = await db.apiKey.findMany({
    where: { environmentId: environment.id },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { keyPrefix: true, kind: true, createdAt: true, lastUsedAt: true, revokedAt: true },
  });
  return keys.map((key) => ({ prefix: key.keyPrefix, kind: key.kind as ApiKeyKind, createdAt: key.createdAt, lastUsedAt: key.lastUsedAt, revokedAt: key.revokedAt }));
}

export type RevokeOutcome =
  | { status: 'revoked'; prefix: string; kind: ApiKeyKind; environmentName: string }
  | { status: 'not_found' }
  | { status: 'ambiguous'; prefixes: string[] };

/**
 * Revokes the one active key whose prefix starts with `prefixOrKey` (or that is `prefixOrKey` itself).
 * Several matches revoke nothing: the caller must say which.
 */
export async function revokeApiKey(db: Database, prefixOrKey: string): Promise<RevokeOutcome> {
  return db.$transaction(async (tx) => {
    const matches = await tx.$queryRawUnsafe<{ id: string; key_prefix: string; kind: ApiKeyKind; name: string }[]>(
      `SELECT k.id, k.key_prefix, k.kind, e.name FROM api_keys k JOIN environments e ON e.id = k.environment_id
       WHERE k.revoked_at IS NULL AND (starts_with(k.key_prefix, $1) OR k.key_hash = $2)
       ORDER BY k.created_at FOR UPDATE OF k`,
      prefixOrKey,
      hashSecretKey(prefixOrKey),
    );
    if (matches.length === 0) return { status: 'not_found' };
    if (matches.length > 1) return { status: 'ambiguous', prefixes: matches.map((match) => match.key_prefix) };
    const [match] = matches;
    await tx.$executeRawUnsafe('UPDATE api_keys SET revoked_at = now() WHERE id = $1::uuid', match.id);
    return { status: 'revoked', prefix: match.key_prefix, kind: match.kind, environmentName: match.name };
  });
}

/** Records use of these keys, to the minute: rows already touched within the minute are not rewritten. */
export async function touchApiKeys(db: Database, keyIds: string[]): Promise<void> {
  if (keyIds.length === 0) return;
  await db.$executeRawUnsafe(
    `UPDATE api_keys SET last_used_at = now()
     WHERE id = ANY($1::uuid[]) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    keyIds,
  );
}
