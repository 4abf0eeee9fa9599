import { Router, type Request } from 'express';
import { validateLinkRequest, validateUserId, type LinkRequest } from '@prefs/core';
import { currentLinkSecret, type Database } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams } from '../errors';
import { newLinkId, signLinkToken } from '../links/link-token';
import { linkUrls } from '../links/public-pages';

/**
 * POST /v1/users/:id/links (secret key): a user's signed links: the preference center, the one-click
 * unsubscribe, and the two List-Unsubscribe headers (RFC 8058) ready to put in an email; and Knock's
 * signed preference-center URL, which is the first of them.
 */
export function linksRouter(deps: { db: Database; baseOf: (req: Request) => string }): Router {
  const { db, baseOf } = deps;
  const router = Router();

  /** Signs a new link of the user's: its id, token and page addresses. */
  async function issueLink(req: Request, environmentId: string, userId: string, request: LinkRequest) {
    const secret = await currentLinkSecret(db, environmentId);
    const linkId = newLinkId();
    const token = signLinkToken(secret, { userId, linkId, scope: request.scope, tenant: request.tenant });
    return { linkId, token, urls: linkUrls(baseOf(req), token) };
  }

  router.post('/users/:userId/links', async (req, res) => {
    const userId = req.params.userId;
    const userError = validateUserId(userId);
    const result = validateLinkRequest(req.body);
    const errors = [...(userError ? [userError] : []), ...(result.ok ? [] : result.errors)];
    if (errors.length > 0 || !result.ok) throw new InvalidParams(errors);
    const { linkId, urls } = await issueLink(req, environmentOf(res.locals).environmentId, userId, result.value);
    res.json({
      link_id: linkId,
      manage_preferences_url: urls.preferences,
      commercial_unsubscribe_url: urls.unsubscribe,
      list_unsubscribe: { 'List-Unsubscribe': `<${urls.unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
  });

  // Knock's `generatePreferenceCenterSignedUrl`: the manage-preferences link, as `{ url, token }`.
  router.post('/users/:userId/preference_center/signed_url', async (req, res) => {
    const userId = req.params.userId as string;
    const userError = validateUserId(userId);
    if (userError) throw new InvalidParams([userError]);
    const { token, urls } = await issueLink(req, environmentOf(res.locals).environmentId, userId, { scope: null, tenant: null });
    res.json({ url: urls.preferences, token });
  });

  return router;
}
