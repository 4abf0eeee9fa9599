import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import {
  buildPreferenceCenterView,
  computeEffectiveSet,
  DEFAULT_SET_ID,
  preferencePatchFromChanges,
  userRecipient,
  validatePutPreferences,
  type PreferenceCenterView,
  type ToggleChange,
} from '@prefs/core';
import { getEnvironmentDefaults, getPreferenceCenterLayout, getPreferenceSet, savePreferenceCenter } from '@prefs/db';
import { BadRequest } from '../errors';
import type { LinkClaims } from '../links/link-token';
import { brandingFor, linkOf, linkSubject, linkUrls, publicErrorHandler, tokenFromQuery, verifyLink, type PublicPageDeps } from '../links/public-pages';
import { newNonce, setPageHeaders } from '../pages/document';
import { renderPreferenceCenterPage } from '../pages/preference-center-page';
import { localsOf } from '../response-locals';

/** The parsed form: urlencoded gives an object of strings, or no body at all. */
function formOf(req: Request): Record<string, unknown> | undefined {
  return req.body;
}

/** A form of at most 100 rows of up to 6 toggles, two fields each, plus the token. */
const PAGE_FORM_MAX_FIELDS = 1500;

/**
 * The preference center (GET /preferences?t=...): the user's effective `default` set as toggles. Saving
 * (POST /preferences, the token in the body) merges only the toggles the user changed into the user's
 * `default` set, through the same validation and write as PUT. A browser without JavaScript gets the
 * page back; the page's script asks for JSON.
 */
export function preferencePageRouter(deps: PublicPageDeps): Router {
  const { db, lookup, publicUrl, logger, rateLimit, bodyBudget, bodyLimitBytes } = deps;
  const router = Router();
  const base = publicUrl ?? '';

  async function loadView(claims: LinkClaims): Promise<PreferenceCenterView> {
    const [layout, environment, userDefault] = await Promise.all([
      getPreferenceCenterLayout(db, claims.environmentId),
      getEnvironmentDefaults(db, claims.environmentId),
      getPreferenceSet(db, claims.environmentId, userRecipient(claims.userId), DEFAULT_SET_ID),
    ]);
    const effective = computeEffectiveSet({ environment, userDefault }).document;
    return buildPreferenceCenterView(layout?.layout ?? null, effective, environment);
  }

  async function sendPage(res: Response, claims: LinkClaims, token: string, status: { text: string; error: boolean } | null): Promise<void> {
    const branding = localsOf(res).branding ?? (await brandingFor(db, claims));
    const view = await loadView(claims);
    const nonce = newNonce();
    setPageHeaders(res, nonce, branding);
    res.type('html').send(
      renderPreferenceCenterPage({ view, token, branding, nonce, status, unsubscribeUrl: linkUrls(base, token).unsubscribe, scope: claims.scope }),
    );
  }

  const verifyFrom = (where: (req: Request) => unknown): RequestHandler => async (req, res, next) => {
    const link = await verifyLink(where(req), lookup);
    localsOf(res).link = link;
    localsOf(res).branding = await brandingFor(db, link.claims);
    next();
  };

  router.get('/preferences', verifyFrom(tokenFromQuery), rateLimit(3, linkSubject), async (req, res) => {
    const { claims, token } = linkOf(res);
    await sendPage(res, claims, token, null);
  });

  router.post(
    '/preferences',
    bodyBudget.guard(() => bodyLimitBytes),
    express.urlencoded({ extended: false, limit: bodyLimitBytes, parameterLimit: PAGE_FORM_MAX_FIELDS, type: 'application/x-www-form-urlencoded' }),
    verifyFrom((req) => formOf(req)?.t),
    rateLimit(3, linkSubject),
    async (req, res) => {
      const { claims, token } = linkOf(res);
      const form = formOf(req) ?? {};
      const changes: ToggleChange[] = [];
      for (const [field, shown] of Object.entries(form)) {
        if (!field.startsWith('was:')) continue;
        const name = field.slice(4);
        const now = form[`set:${name}`];
        if ((shown !== '0' && shown !== '1') || (now !== undefined && now !== '1')) throw new BadRequest('The form was changed: reload the page and try again');
        const on = now === '1';
        if (on !== (shown === '1')) changes.push({ name, on });
      }
      let message = 'Nothing changed.';
      if (changes.length > 0) {
        const view = await loadView(claims);
        const patch = preferencePatchFromChanges(view, changes);
        if (patch === null) throw new BadRequest('This page is out of date: reload it and make your changes again');
        // The same validation as PUT /v1/users/:id/preferences/default, as a merge.
        const input = validatePutPreferences({ ...patch, __persistence_strategy__: 'merge' });
        if (!input.ok) throw new BadRequest('These preferences cannot be saved: reload the page and try again');
        const unsubscribed = patch.commercial_subscribed === false;
        await savePreferenceCenter(
          db,
          claims.environmentId,
          claims.userId,
          input.value.document,
          unsubscribed
            ? { environmentId: claims.environmentId, userId: claims.userId, scope: null, tenant: claims.tenant, linkId: claims.linkId, source: 'preference_center' }
            : null,
        );
        message = 'Your preferences are saved.';
      }
      if (req.accepts(['html', 'json']) === 'json') {
        setPageHeaders(res, newNonce(), null);
        res.json({ saved: true, changed: changes.length, message });
        return;
      }
      await sendPage(res, claims, token, { text: message, error: false });
    },
  );

  router.use('/preferences', publicErrorHandler(logger, () => 'html'));
  return router;
}
