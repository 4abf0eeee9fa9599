import { findLinkSecret, type Database } from '@prefs/db';
import type { SecretLookup, SigningSecret } from './link-token';

/** How long a secret (or its absence) is remembered: a retired secret stops verifying within this time. */
export const LINK_SECRET_CACHE_MS = 5_000;
const CACHE_MAX = 10_000;

/**
 * Looks secrets up by id for verification, remembering each answer for a few seconds, so that a burst of
 * unsubscribes through one campaign's links costs one query, and a flood of made-up ids a bounded map.
 */
export function createLinkSecretLookup(db: Database, ttlMs = LINK_SECRET_CACHE_MS): SecretLookup {
  const cache = new Map<string, { secret: SigningSecret | null; expiresAt: number }>();
  return async (id) => {
    const cached = cache.get(id);
    if (cached && cached.expiresAt > Date.now()) return cached.secret;
    const found = await findLinkSecret(db, id);
    const secret = found && found.retiredAt === null ? { id: found.id, environmentId: found.environmentId, secret: found.secret } : null;
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(id, { secret, expiresAt: Date.now() + ttlMs });
    return secret;
  };
}
