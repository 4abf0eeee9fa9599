import type { RequestHandler } from 'express';
import { findEnvironmentBySecretKey, hashSecretKey, type Database, type KeyOwner } from '@prefs/db';
import { Unauthorized } from './errors';

const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;

/**
 * `Authorization: Bearer <secret key>` -> the key's environment, in `res.locals.environment`.
 * Known keys are cached for 30 s, by hash, so a burst of requests costs one lookup.
 */
export function createAuthMiddleware(db: Database): RequestHandler {
  const cache = new Map<string, { owner: KeyOwner; expiresAt: number }>();
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new Unauthorized();
    const secretKey = match[1];
    if (secretKey.length > 200) throw new Unauthorized('The secret key is not valid');
    const hash = hashSecretKey(secretKey);
    const cached = cache.get(hash);
    if (cached && cached.expiresAt > Date.now()) {
      res.locals.environment = cached.owner;
      return next();
    }
    const owner = await findEnvironmentBySecretKey(db, secretKey);
    if (!owner) throw new Unauthorized('The secret key is not valid');
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(hash, { owner, expiresAt: Date.now() + CACHE_TTL_MS });
    res.locals.environment = owner;
    next();
  };
}

export function environmentOf(locals: Record<string, unknown>): KeyOwner {
  return locals.environment as KeyOwner;
}
