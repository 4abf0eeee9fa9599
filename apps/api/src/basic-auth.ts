import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ApiError } from './errors';

export class BasicAuthRequired extends ApiError {
  constructor(realm: string) {
    super(401, 'unauthenticated', 'This page needs a user name and password', 'authentication_error', {
      'WWW-Authenticate': `Basic realm="${realm}", charset="UTF-8"`,
    });
  }
}

/** Hashing first gives both sides the same length, so the comparison time tells nothing about either. */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

/** HTTP basic auth against one user name and password, compared in constant time. */
export function createBasicAuth(credentials: { user: string; password: string }, realm: string): RequestHandler {
  return (req, _res, next) => {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.get('authorization') ?? '');
    const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = colon >= 0 ? decoded.slice(0, colon) : '';
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';
    // Both comparisons always run: which one failed must not show in the timing either.
    const userOk = sameSecret(user, credentials.user);
    const passwordOk = sameSecret(password, credentials.password);
    if (!(match && colon >= 0 && userOk && passwordOk)) throw new BasicAuthRequired(realm);
    next();
  };
}
