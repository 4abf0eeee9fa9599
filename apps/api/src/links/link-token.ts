import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseRowKey, UUID, validateSetId, validateUserId } from '@prefs/core';

/**
 * End users' link tokens: `<payload>.<mac>`, both base64url. The payload is the JSON array
 * `[1, secret id, environment id, user id, link id, scope | null, tenant | null]` (no personal data but the
 * user id); the MAC is HMAC-SHA256 under the named secret of that environment, over a fixed context and
 * the payload as sent, so no part of it can be changed (another user, environment, scope or secret)
 * without the secret. Tokens never expire; retiring their secret ends them.
 */

export interface LinkClaims {
  secretId: string;
  environmentId: string;
  userId: string;
  /** Random, per link made: recorded with every unsubscribe, and the key of the link's rate limits. */
  linkId: string;
  /** `categories.<key>` or `workflows.<key>`, or null for commercial_subscribed. */
  scope: string | null;
  tenant: string | null;
}

export interface SigningSecret {
  id: string;
  environmentId: string;
  secret: Buffer;
}

/** Longest token accepted: a 255-character user id, scope key and tenant id, JSON-escaped, fit well under it. */
export const MAX_TOKEN_LENGTH = 4096;
const VERSION = 1;
const CONTEXT = 'prefs-link-v1.';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,4000}\.[A-Za-z0-9_-]{43}$/;
const LINK_ID = /^[A-Za-z0-9_-]{22}$/;

function mac(secret: Buffer, payload: string): Buffer {
  return createHmac('sha256', secret).update(CONTEXT).update(payload).digest();
}

export function newLinkId(): string {
  return randomBytes(16).toString('base64url');
}

export function signLinkToken(secret: SigningSecret, claims: Omit<LinkClaims, 'secretId' | 'environmentId'>): string {
  const payload = Buffer.from(
    JSON.stringify([VERSION, secret.id, secret.environmentId, claims.userId, claims.linkId, claims.scope, claims.tenant]),
  ).toString('base64url');
  return `${payload}.${mac(secret.secret, payload).toString('base64url')}`;
}

/** Finds a secret that may verify: of this id, not retired; null otherwise. */
export type SecretLookup = (id: string) => Promise<SigningSecret | null>;

function isValidClaims(value: unknown): value is [number, string, string, string, string, string | null, string | null] {
  if (!Array.isArray(value) || value.length !== 7) return false;
  const [version, secretId, environmentId, userId, linkId, scope, tenant] = value as unknown[];
  return (
    version === VERSION &&
    typeof secretId === 'string' && UUID.test(secretId) &&
    typeof environmentId === 'string' && UUID.test(environmentId) &&
    typeof userId === 'string' && validateUserId(userId) === null &&
    typeof linkId === 'string' && LINK_ID.test(linkId) &&
    (scope === null || (typeof scope === 'string' && parseRowKey(scope, false) !== null)) &&
    (tenant === null || (typeof tenant === 'string' && validateSetId(tenant) === null))
  );
}

/**
 * The claims of a genuine token; null for anything else (malformed, truncated, too long, tampered,
 * signed by an unknown or retired secret, or by another environment's). The length and shape are
 * checked before any decoding, and the MAC is compared in constant time.
 */
export async function verifyLinkToken(token: unknown, lookup: SecretLookup): Promise<LinkClaims | null> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return null;
  const dot = token.indexOf('.');
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const payloadBytes = Buffer.from(payload, 'base64url');
  // Only the canonical encoding: base64's unused low bits would otherwise let several spellings of one
  // token verify (one link, many URLs, each with its own rate limit).
  if (given.toString('base64url') !== token.slice(dot + 1) || payloadBytes.toString('base64url') !== payload) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(payloadBytes.toString('utf8'));
  } catch {
    return null;
  }
  if (!isValidClaims(claims)) return null;
  const [, secretId, environmentId, userId, linkId, scope, tenant] = claims;
  const secret = await lookup(secretId);
  if (secret === null || secret.environmentId !== environmentId) return null;
  const expected = mac(secret.secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return { secretId, environmentId, userId, linkId, scope, tenant };
}
