import { findLinkSecret, type Database } from '@prefs/db';
import { UnknownIds } from '../unknown-ids';
import type { SecretLookup, SigningSecret } from './link-token';

/** How long a secret (or its absence) is remembered: a retired secret stops verifying within this time. */
export const LINK_SECRET_CACHE_MS = 5_000;
const CACHE_MAX = 10_000;

/**
 * Looks secrets up by id for verification, remembering each answer for a few seconds, so that a burst of
 * unsubscribes through one campaign's links costs one query. Ids that are no (active) secret are
 * remembered apart, in `UnknownIds`: a flood of made-up ids costs no query each and cannot evict the
 * secrets in use.
 */
export function createLinkSecretLookup(db: Database, ttlMs = LINK_SECRET_CACHE_MS): SecretLookup {
  const known = new Map<string, { secret: SigningSecret; expiresAt: number }>();
  const unknown = new UnknownIds(ttlMs, CACHE_MAX);
  return async (id) => {
    if (unknown.has(id)) return null;
    const cached = known.get(id);
    if (cached && cached.expiresAt > Date.now()) return cached.secret;
    const found = await findLinkSecret(db, id);
    if (!found || found.retiredAt !== null) {
      known.delete(id);
      unknown.add(id);
      return null;
    }
    const secret = { id: found.id, environmentId: found.environmentId, secret: found.secret };
    if (!known.has(id) && known.size >= CACHE_MAX) known.delete(known.keys().next().value as string);
    known.set(id, { secret, expiresAt: Date.now() + ttlMs });
    return secret;
  };
}
