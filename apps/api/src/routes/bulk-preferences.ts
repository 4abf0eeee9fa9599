import { Router } from 'express';
import { validateBulkSetPreferences } from '@prefs/core';
import { setPreferencesOperation } from '@prefs/db';
import { acceptBulkOperation, type AcceptBulkOperationDeps } from '../accept-bulk-operation';
import { invalidParams } from '../errors';

export interface BulkPreferencesRouteDeps extends AcceptBulkOperationDeps {
  onAccepted?: (strategy: string, users: number) => void;
}

/** POST /v1/users/bulk/preferences: one preference set written for up to 1,000 users (users.set_preferences). */
export function bulkPreferencesRouter(deps: BulkPreferencesRouteDeps): Router {
  const router = Router();
  router.post('/users/bulk/preferences', async (req, res) => {
    const result = validateBulkSetPreferences(req.body);
    if (!result.ok) throw invalidParams(result.errors);
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
