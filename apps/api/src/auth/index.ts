import type { Request, RequestHandler, Response } from 'express';
import { INLINE_FIELDS } from '@prefs/core';
import { hashSecretKey, type Database, type KeyOwner } from '@prefs/db';
import type { Logger } from '@prefs/logger';
import { Forbidden, RateLimited, Unauthorized } from '../errors';
import type { FailedAuthLimit } from './failed-auth-limit';
import { refusal, type TokenRights } from './grants';
import { KeyCache, type KeyCacheOptions } from './key-cache';
import { matchPublicRoute } from './public-routes';
import { InvalidUserToken, verifyUserToken } from './user-token';
import { localsOf, required, type ResponseLocals } from '../response-locals';

export { publicRouteCors, openapiCors } from './cors';
export { KeyCache } from './key-cache';
export { FailedAuthLimit } from './failed-auth-limit';

/** Who is calling: a server with a secret key, or a browser with a public key and a user token. */
export type Principal = { kind: 'secret' } | { kind: 'public'; userId: string; rights: TokenRights; identify: boolean };

const MAX_KEY_LENGTH = 200;

function bearerKey(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw new Unauthorized();
  if (match[1].length > MAX_KEY_LENGTH) throw new Unauthorized('The API key is not valid');
  return match[1];
}

/** `?tenant=` as the simple query parser gives it: absent, once, or repeated (an array). */
function queryTenants(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((tenant) => (typeof tenant === 'string' ? tenant : ''));
}

/**
 * `Authorization: Bearer <key>` -> the key's environment, in `res.locals.environment`, and the caller, in
 * `res.locals.principal`. A secret key reaches everything of its environment. A public key reaches only
 * the routes of `public-routes.ts`, for the user its `X-Knock-User-Token` names, within the token's grants:
 * 401 without a valid token, 403 for anything else. Keys and signing keys come from the process's
 * `KeyCache` (see there for how revocation reaches every process within seconds).
 */
export function createAuthMiddleware(db: Database, logger: Logger, failures: FailedAuthLimit | null = null, cacheOptions: KeyCacheOptions = {}): RequestHandler {
  const keys = new KeyCache(db, logger, cacheOptions);
  return async (req, res, next) => {
    if (!failures) {
      await authenticate(keys, req, res);
      return next();
    }
    const address = req.socket.remoteAddress ?? 'unknown';
    const tooMany = (seconds: number) =>
      new RateLimited(seconds, failures.limit ?? 0, `Too many failed authentications from this address: at most ${failures.limit} per second`);
    // Over the limit, a key this process has no answer for is not looked up: made-up keys buy no query.
    const blocked = failures.retryAfter(address);
    if (blocked > 0) {
      const hash = presentedKeyHash(req);
      if (hash === null || !keys.knows(hash)) throw tooMany(blocked);
    }
    try {
      await authenticate(keys, req, res);
    } catch (error) {
      if (!(error instanceof Unauthorized)) throw error;
      const wait = await failures.recordFailure(address);
      throw wait > 0 ? tooMany(wait) : error;
    }
    next();
  };
}

/** The hash of the request's well-formed bearer key, or null. */
function presentedKeyHash(req: Request): string | null {
  try {
    return hashSecretKey(bearerKey(req.get('authorization')));
  } catch {
    return null;
  }
}

/** Sets `res.locals.environment` and `res.locals.principal`, or throws Unauthorized or Forbidden. */
async function authenticate(keys: KeyCache, req: Request, res: Response): Promise<void> {
  const key = await keys.apiKey(hashSecretKey(bearerKey(req.get('authorization'))));
  if (!key || key.revoked) throw new Unauthorized('The API key is not valid');
  const owner: KeyOwner = { environmentId: key.environmentId, environmentName: key.environmentName };
  if (key.kind === 'secret') {
    localsOf(res).environment = owner;
    localsOf(res).principal = { kind: 'secret' };
    return;
  }

  const token = req.get('x-knock-user-token');
  if (!token) throw new Unauthorized('A public key needs a user token: send X-Knock-User-Token, signed with a signing key of the environment');
  let verified;
  try {
    try {
      verified = await verifyUserToken(token, await keys.activeSigningKeys(key.environmentId));
    } catch (error) {
      // A signing key made a moment ago on another process may not be cached here yet: look once more.
      const reread = error instanceof InvalidUserToken && error.unknownSigner ? await keys.rereadSigningKeys(key.environmentId) : null;
      if (!reread) throw error;
      verified = await verifyUserToken(token, reread);
    }
  } catch (error) {
    if (error instanceof InvalidUserToken) throw new Unauthorized(`The user token is not valid: ${error.message}`);
    throw error;
  }

  const match = matchPublicRoute(req.method, req.path);
  if (!match) throw new Forbidden('A public key may reach only the signed-in user\'s preferences and profile; use a secret key on your server for this');
  if (match.userId !== verified.userId) throw new Forbidden('The user token is for another user');
  const refused = refusal(verified.rights, match, queryTenants(req.query.tenant));
  if (refused) throw new Forbidden(refused);
  localsOf(res).environment = owner;
  localsOf(res).principal = { kind: 'public', userId: verified.userId, rights: verified.rights, identify: match.route.identify === true };
}

/**
 * After the body is parsed: a browser may identify its user with properties only; keys starting with `__`
 * (reserved for the server's own fields) and inline `preferences` and `channel_data` need a secret key,
 * so that a token's grants (the `default` set and its tenants' sets) hold for every write of its sets.
 */
export const publicBodyGuard: RequestHandler = (req, res, next) => {
  const { principal } = localsOf(res);
  if (principal?.kind === 'public' && principal.identify && typeof req.body === 'object' && req.body !== null) {
    const reserved = Object.keys(req.body as object).find((name) => name.startsWith('__') || (INLINE_FIELDS as readonly string[]).includes(name));
    if (reserved) throw new Forbidden(`A public key may set user properties only; "${reserved}" needs a secret key`);
  }
  next();
};

/** The key's environment, after authenticate. */
export function environmentOf(locals: ResponseLocals): KeyOwner {
  return required(locals.environment, 'environment');
}

/** Who is calling, after authenticate. */
export function principalOf(locals: ResponseLocals): Principal {
  return required(locals.principal, 'principal');
}
