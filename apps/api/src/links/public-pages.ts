import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { getTenant, type Database } from '@prefs/db';
import type { Logger } from '@prefs/logger';
import { InvalidLink, toApiError } from '../errors';
import { DEFAULT_BRANDING, pageBranding, type PageBranding } from '../pages/branding';
import { newNonce, setPageHeaders } from '../pages/document';
import { renderErrorPage } from '../pages/unsubscribe-pages';
import type { BodyBudget } from '../body-budget';
import type { RateLimitSubject, RateTier } from '../rate-limit';
import { localsOf, required, type VerifiedLink } from '../response-locals';
import { verifyLinkToken, type LinkClaims, type SecretLookup } from './link-token';

/** What the end users' routes (the preference center and one-click unsubscribe) share. */

/** What each of those routers is built from. */
export interface PublicPageDeps {
  db: Database;
  lookup: SecretLookup;
  /** Where links point (their base); null: relative to this API. */
  publicUrl: string | null;
  logger: Logger;
  rateLimit: (tier: RateTier, subject: RateLimitSubject) => RequestHandler;
  /** The process's budget of bodies being read at once. */
  bodyBudget: BodyBudget;
  /** Largest body of a page's POST, the one-click POST's included (PAGE_BODY_LIMIT_BYTES). */
  bodyLimitBytes: number;
}

export function linkUrls(base: string, token: string): { preferences: string; unsubscribe: string } {
  const query = `t=${encodeURIComponent(token)}`;
  return { preferences: `${base}/preferences?${query}`, unsubscribe: `${base}/unsubscribe?${query}` };
}

/** The link's claims and its token, or InvalidLink: the route learns nothing else about a bad token. */
export async function verifyLink(token: unknown, lookup: SecretLookup): Promise<VerifiedLink> {
  const claims = await verifyLinkToken(token, lookup);
  if (claims === null || typeof token !== 'string') throw new InvalidLink();
  return { claims, token };
}

/** The verified link of an end user's page, after its verifying middleware. */
export function linkOf(res: Response): VerifiedLink {
  return required(localsOf(res).link, 'link');
}

/** The query's `t`, only when it is one string (the simple query parser makes repeats an array). */
export function tokenFromQuery(req: Request): unknown {
  return req.query.t;
}

/** The rate-limit subject of a verified link: its id, so that every link has its own allowance. */
export function linkSubject(res: Response): string {
  return `link:${linkOf(res).claims.linkId}`;
}

/** The tenant's branding for a link made with `tenant` (the default look otherwise, or when the tenant is gone). */
export async function brandingFor(db: Database, claims: LinkClaims): Promise<PageBranding> {
  if (claims.tenant === null) return DEFAULT_BRANDING;
  const tenant = await getTenant(db, claims.environmentId, claims.tenant);
  if (tenant === null) return DEFAULT_BRANDING;
  return pageBranding(tenant.name, tenant.branding as Record<string, unknown> | null);
}

const TITLES: Record<number, string> = {
  400: 'This link is not valid',
  413: 'This request is too large',
  415: 'This request cannot be read',
  429: 'Too many requests',
  503: 'Temporarily unavailable',
};

/**
 * Errors of the end users' routes: a page in words for browsers, or one line of text for mail systems
 * (`text`: the one-click POST), with the right status, and never a stack trace.
 */
export function publicErrorHandler(logger: Logger, format: (req: Request) => 'html' | 'text'): ErrorRequestHandler {
  return (rawError, req, res, _next) => {
    const error = toApiError(rawError, logger, localsOf(res).requestId, req.path);
    if (res.headersSent) return;
    const nonce = newNonce();
    const branding = localsOf(res).branding ?? DEFAULT_BRANDING;
    setPageHeaders(res, nonce, branding);
    res.status(error.status).set(error.headers);
    const title = TITLES[error.status] ?? (error.status >= 500 ? 'Something went wrong' : 'This request cannot be handled');
    const message =
      error.status === 429
        ? 'Please wait a moment and try again.'
        : error.status >= 500
          ? 'Something went wrong on our side. Please try again in a few minutes.'
          : error.message;
    if (format(req) === 'text') {
      res.type('text/plain').send(`${title}. ${message}\n`);
      return;
    }
    if (req.accepts(['html', 'json']) === 'json') {
      res.json(error.body());
      return;
    }
    res.type('html').send(renderErrorPage({ nonce, branding, title, message }));
  };
}
