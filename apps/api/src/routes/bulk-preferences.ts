import { Router, type RequestHandler } from 'express';
import { validateBulkSetPreferences } from '@prefs/core';
import { setPreferencesOperation } from '@prefs/db';
import { acceptBulkOperation, type AcceptBulkOperationDeps } from '../accept-bulk-operation';
import { InvalidParams } from '../errors';
import type { RateTier } from '../rate-limit';

export interface BulkPreferencesRouteDeps extends AcceptBulkOperationDeps {
  rateLimit: (tier: RateTier) => RequestHandler;
  onAccepted?: (strategy: string, users: number) => void;
}

/** POST /v1/users/bulk/preferences: one preference set written for up to 1,000 users (users.set_preferences). */
export function bulkPreferencesRouter(deps: BulkPreferencesRouteDeps): Router {
  const router = Router();
  router.post('/users/bulk/preferences', deps.rateLimit(1), async (req, res) => {
    const result = validateBulkSetPreferences(req.body);
    if (!result.ok) throw new InvalidParams(result.errors);
    const input = result.value;
    const { operation, created } = await acceptBulkOperation(deps, req, res, setPreferencesOperation(input), [
      input.userIds,
      input.setId,
      input.strategy,
      input.document,
    ]);
    if (created) deps.onAccepted?.(input.strategy, input.userIds.length);
    res.status(200).json(operation);
  });
  return router;
}
