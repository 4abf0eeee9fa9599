import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { Database } from './client';

const generateRsaKeyPair = promisify(generateKeyPair);

export interface CreatedSigningKey {
  id: string;
  environmentName: string;
  /** The PKCS#8 PEM, base64-encoded as Knock's dashboard shows it; `signUserToken` takes it as is. */
  privateKeyBase64: string;
}

/** Makes an RSA key pair for user tokens, stores the public half, and returns the private half once. */
export async function createSigningKey(db: Database, environmentName: string): Promise<CreatedSigningKey | null> {
  const environment = await db.environment.findUnique({ where: { name: environmentName }, select: { id: true, name: true } });
  if (!environment) return null;
  const { publicKey, privateKey } = await generateRsaKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const row = await db.signingKey.create({ data: { environmentId: environment.id, publicKeyPem: publicKey }, select: { id: true } });
  return { id: row.id, environmentName: environment.name, privateKeyBase64: Buffer.from(privateKey).toString('base64') };
}

export interface SigningKeyListing {
  id: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** The signing keys of an environment, oldest first; null when there is no such environment. */
export async function listSigningKeys(db: Database, environmentName: string): Promise<SigningKeyListing[] | null> {
  const environment = await db.environment.findUnique({ where: { name: environmentName }, select: { id: true } });
  if (!environment) return null;
  return db.signingKey.findMany({
    where: { environmentId: environment.id },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true, createdAt: true, revokedAt: true },
  });
}

/** The public keys (PEM) that may sign user tokens of the environment now. */
export async function findActiveSigningKeys(db: Database, environmentId: string): Promise<{ id: string; publicKeyPem: string }[]> {
  return db.signingKey.findMany({
    where: { environmentId, revokedAt: null },
    orderBy: { createdAt: 'desc' },
    select: { id: true, publicKeyPem: true },
  });
}

export type RevokeSigningKeyOutcome =
  | { status: 'revoked'; id: string; environmentName: string }
  | { status: 'not_found' }
  | { status: 'ambiguous'; ids: string[] };

/** Revokes the one active signing key whose id starts with `idPrefix`; several matches revoke nothing. */
export async function revokeSigningKey(db: Database, idPrefix: string): Promise<RevokeSigningKeyOutcome> {
  return db.$transaction(async (tx) => {
    const matches = await tx.$queryRawUnsafe<{ id: string; name: string }[]>(
      `SELECT s.id::text AS id, e.name FROM signing_keys s JOIN environments e ON e.id = s.environment_id
       WHERE s.revoked_at IS NULL AND starts_with(s.id::text, lower($1))
       ORDER BY s.created_at FOR UPDATE OF s`,
      idPrefix,
    );
    if (matches.length === 0) return { status: 'not_found' };
    if (matches.length > 1) return { status: 'ambiguous', ids: matches.map((match) => match.id) };
    const [match] = matches;
    await tx.$executeRawUnsafe('UPDATE signing_keys SET revoked_at = now() WHERE id = $1::uuid', match.id);
    return { status: 'revoked', id: match.id, environmentName: match.name };
  });
}
