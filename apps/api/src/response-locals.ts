import type { Response } from 'express';
import type { KeyOwner } from '@prefs/db';
import type { Principal } from './auth';
import type { LinkClaims } from './links/link-token';
import type { PageBranding } from './pages/branding';

/** A link of the end users' pages once verified: its claims, and the token they were read from. */
export interface VerifiedLink {
  claims: LinkClaims;
  token: string;
}

/**
 * Everything a middleware leaves in `res.locals` for what runs after it: the one declaration of it, read
 * and written through `localsOf(res)`. Each is absent until the middleware that sets it has run.
 */
export interface ResponseLocals {
  /** createRequestContext, for every request. */
  requestId?: string;
  /** authenticate, for every /v1 route: the key's environment and who is calling. */
  environment?: KeyOwner;
  principal?: Principal;
  /** acceptBulkOperation: the operation the request created, for its log line. */
  operationId?: string;
  /** A mounted sub-application (the dashboard) naming its requests itself. */
  routeLabel?: string;
  /** The end users' pages: the verified link, and the look of its tenant once known. */
  link?: VerifiedLink;
  branding?: PageBranding;
}

/** `res.locals`, typed: Express types it as any record. */
export function localsOf(res: Response): ResponseLocals {
  return res.locals;
}

/** A value a middleware must have set before this point; its absence is a wiring bug (a 500), not bad input. */
export function required<T>(value: T | undefined, name: keyof ResponseLocals): T {
  if (value === undefined) throw new Error(`res.locals.${name} is not set: the middleware that sets it has not run for this route`);
  return value;
}
