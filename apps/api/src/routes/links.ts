import { Router, type Request } from 'express';
import { validateLinkRequest, validateUserId } from '@prefs/core';
import { currentLinkSecret, type Database } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams } from '../errors';
import { newLinkId, signLinkToken } from '../links/link-token';
import { linkUrls } from '../links/public-pages';

/**
 * POST /v1/users/:id/links (secret key): a user's signed links: the preference center, the one-click
 * unsubscribe, and the two List-Unsubscribe headers (RFC 8058) ready to put in an email.
 */
export function linksRouter(deps: { db: Database; baseOf: (req: Request) => string }): Router {
  const { db, baseOf } = deps;
  const router = Router();

  router.post('/users/:userId/links', async (req, res) => {
    const userId = req.params.userId;
    const userError = validateUserId(userId);
    const result = validateLinkRequest(req.body);
    const errors = [...(userError ? [userError] : []), ...(result.ok ? [] : result.errors)];
    if (errors.length > 0 || !result.ok) throw new InvalidParams(errors);
    const secret = await currentLinkSecret(db, environmentOf(res.locals).environmentId);
    const linkId = newLinkId();
    const token = signLinkToken(secret, { userId, linkId, scope: result.value.scope, tenant: result.value.tenant });
    const urls = linkUrls(baseOf(req), token);
    res.json({
      link_id: linkId,
      manage_preferences_url: urls.preferences,
      commercial_unsubscribe_url: urls.unsubscribe,
      list_unsubscribe: { 'List-Unsubscribe': `<${urls.unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
  });

  return router;
}
