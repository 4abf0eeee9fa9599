import { errors, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import { InvalidGrants, parseGrants, type TokenRights } from './grants';

/** A token may live at most this long from now (Knock's limit for user tokens). */
export const MAX_TOKEN_LIFETIME_SECONDS = 30 * 24 * 60 * 60;
/** Clock skew forgiven between the signer and this server. */
const CLOCK_TOLERANCE_SECONDS = 5;
/** Far above any real token (a few hundred bytes plus grants); bounds the work an attacker can ask for. */
const MAX_TOKEN_LENGTH = 8192;

export interface VerifiedUserToken {
  userId: string;
  rights: TokenRights;
}

/** Why a token was refused; the message goes back in the 401. */
export class InvalidUserToken extends Error {
  override readonly name = 'InvalidUserToken';
  /** No key given verified the signature (a newer key might). */
  constructor(message: string, readonly unknownSigner = false) {
    super(message);
  }
}

/** Did this key fail to verify the signature (so another active key may still)? */
function isSignatureMismatch(error: unknown): boolean {
  return error instanceof errors.JWSSignatureVerificationFailed;
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the user token has expired';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the user token must be signed with RS256';
  if (error instanceof errors.JWTClaimValidationFailed) return `the user token's "${error.claim}" claim is missing or not valid`;
  return 'the user token is not a valid signed JWT';
}

/**
 * Verifies a user token (an RS256 JWT) with jose against the environment's active signing keys, tried in
 * turn (tokens signed by `@knocklabs/node` name no key id). Only RS256 is accepted, whatever the header
 * says, so `alg: none` and HS256 signed with a public key are refused. `sub`, `iat` and `exp` are required;
 * `exp` may be at most 30 days ahead.
 */
export async function verifyUserToken(token: string, keys: CryptoKey[], nowMs: number = Date.now()): Promise<VerifiedUserToken> {
  if (token.length > MAX_TOKEN_LENGTH) throw new InvalidUserToken('the user token is too long');
  let payload: JWTPayload | null = null;
  for (const key of keys) {
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ['RS256'],
        requiredClaims: ['sub', 'iat', 'exp'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(nowMs),
      }));
      break;
    } catch (error) {
      if (isSignatureMismatch(error)) continue;
      throw new InvalidUserToken(describe(error));
    }
  }
  if (!payload) throw new InvalidUserToken('the user token is not signed by an active signing key of this environment', true);

  const nowSeconds = nowMs / 1000;
  const { sub, iat, exp } = payload as { sub: unknown; iat: unknown; exp: unknown };
  if (typeof sub !== 'string' || sub === '') throw new InvalidUserToken('the user token\'s "sub" claim must name the user');
  if (typeof iat !== 'number' || iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) throw new InvalidUserToken('the user token\'s "iat" claim is in the future');
  if (typeof exp !== 'number' || exp > nowSeconds + MAX_TOKEN_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS) {
    throw new InvalidUserToken('the user token expires more than 30 days ahead');
  }
  try {
    return { userId: sub, rights: parseGrants(payload.grants, sub) };
  } catch (error) {
    if (error instanceof InvalidGrants) throw new InvalidUserToken(`the user token is not valid: ${error.message}`);
    throw error;
  }
}
