import express, { Router, type RequestHandler } from 'express';
import { recordUnsubscribe } from '@prefs/db';
import { BadRequest } from '../errors';
import { isOneClickBody } from '../links/one-click-body';
import { brandingFor, linkOf, linkSubject, linkUrls, publicErrorHandler, tokenFromQuery, verifyLink, type PublicPageDeps } from '../links/public-pages';
import { newNonce, setPageHeaders } from '../pages/document';
import { renderUnsubscribeConfirmation, renderUnsubscribed } from '../pages/unsubscribe-pages';
import { localsOf } from '../response-locals';

/**
 * The List-Unsubscribe URL (RFC 8058). POST with `List-Unsubscribe=One-Click` unsubscribes: the change and
 * its record commit before the 200, which is never a redirect and sets no cookie; a repeat that changes nothing
 * is counted on the link's stored event (`repeats`), not stored again.
 * GET never writes (mail scanners follow links): it shows a confirmation whose button sends that POST.
 */
export function oneClickUnsubscribeRouter(deps: PublicPageDeps): Router {
  // The pages' limit (PAGE_BODY_LIMIT_BYTES), as the spec gives link holders one: RFC 8058's body is 26 bytes.
  const { db, lookup, publicUrl, logger, rateLimit, bodyBudget, bodyLimitBytes: limitBytes } = deps;
  const router = Router();
  const base = publicUrl ?? '';

  const verify: RequestHandler = async (req, res, next) => {
    localsOf(res).link = await verifyLink(tokenFromQuery(req), lookup);
    next();
  };

  router.get('/unsubscribe', verify, rateLimit(3, linkSubject), async (req, res) => {
    const { claims, token } = linkOf(res);
    const branding = await brandingFor(db, claims);
    localsOf(res).branding = branding;
    const nonce = newNonce();
    const urls = linkUrls(base, token);
    setPageHeaders(res, nonce, branding);
    res.type('html').send(renderUnsubscribeConfirmation({ nonce, branding, scope: claims.scope, actionUrl: urls.unsubscribe, preferencesUrl: urls.preferences }));
  });

  router.post(
    '/unsubscribe',
    bodyBudget.guard(() => limitBytes),
    express.raw({ type: () => true, limit: limitBytes }),
    async (req, _res, next) => {
      if (!(await isOneClickBody(req.get('content-type'), req.headers, req.body))) {
        throw new BadRequest('The body must be List-Unsubscribe=One-Click (RFC 8058)', 'invalid_one_click_body');
      }
      next();
    },
    verify,
    rateLimit(3, linkSubject),
    async (req, res) => {
      const { claims, token } = linkOf(res);
      await recordUnsubscribe(db, {
        environmentId: claims.environmentId,
        userId: claims.userId,
        scope: claims.scope,
        tenant: claims.tenant,
        linkId: claims.linkId,
        source: 'one_click',
      });
      // Committed: from here on, nothing that fails can undo the unsubscribe.
      const nonce = newNonce();
      if (req.accepts(['text/plain', 'html']) === 'html') {
        const branding = await brandingFor(db, claims).catch(() => undefined);
        if (branding) {
          setPageHeaders(res, nonce, branding);
          res.type('html').send(renderUnsubscribed({ nonce, branding, scope: claims.scope, preferencesUrl: linkUrls(base, token).preferences }));
          return;
        }
      }
      setPageHeaders(res, nonce, null);
      res.type('text/plain').send('You are unsubscribed.\n');
    },
  );

  router.use('/unsubscribe', publicErrorHandler(logger, (req) => (req.method === 'POST' && req.accepts(['text/plain', 'html']) !== 'html' ? 'text' : 'html')));
  return router;
}
