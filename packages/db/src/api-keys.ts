import { createHash, randomBytes } from 'node:crypto';
import type { Database } from './client';

/** Secret keys look like Knock's: `sk_` and 43 URL-safe characters (32 random bytes). */
export function generateSecretKey(): string {
  return `sk_${randomBytes(32).toString('base64url')}`;
}

export function hashSecretKey(secretKey: string): string {
  return createHash('sha256').update(secretKey).digest('hex');
}

export interface KeyOwner {
  environmentId: string;
  environmentName: string;
}

export async function findEnvironmentBySecretKey(db: Database, secretKey: string): Promise<KeyOwner | null> {
  const key = await db.apiKey.findUnique({
    where: { keyHash: hashSecretKey(secretKey) },
    select: { environment: { select: { id: true, name: true } } },
  });
  return key ? { environmentId: key.environment.id, environmentName: key.environment.name } : null;
}

/** Makes sure the environment exists and owns this secret key; harmless to repeat. */
export async function ensureSecretKey(db: Database, environmentName: string, secretKey: string): Promise<KeyOwner> {
  const environment = await db.environment.upsert({
    where: { name: environmentName },
    create: { name: environmentName },
    update: {},
  });
  const keyHash = hashSecretKey(secretKey);
  const existing = await db.apiKey.findUnique({ where: { keyHash }, include: { environment: true } });
  if (existing) return { environmentId: existing.environmentId, environmentName: existing.environment.name };
  await db.apiKey.upsert({
    where: { keyHash },
    create: { environmentId: environment.id, keyHash, keyPrefix: secretKey.slice(0, 7) },
    update: {},
  });
  return { environmentId: environment.id, environmentName: environment.name };
}

/** Creates a new secret key for the environment (creating the environment if needed); returns it once. */
export async function createSecretKey(db: Database, environmentName: string): Promise<{ secretKey: string } & KeyOwner> {
  const secretKey = generateSecretKey();
  const owner = await ensureSecretKey(db, environmentName, secretKey);
  return { secretKey, ...owner };
}
