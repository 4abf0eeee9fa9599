import { Router } from 'express';
import {
  resolveTenantPreferenceSet,
  toPreferenceSetResource,
  validatePutPreferences,
  validateSetId,
  userRecipient,
  validateUserId,
  type FieldError,
} from '@prefs/core';
import {
  deletePreferenceSet,
  getEnvironmentDefaults,
  getPreferenceSet,
  getTenant,
  listPreferenceSets,
  putPreferenceSet,
  type Database,
} from '@prefs/db';
import { changeSourceOf } from '../change-source';
import { environmentOf } from '../auth';
import { InvalidParams, invalidParams } from '../errors';
import { tenantOfSet } from '../set-tenant';

function checkPath(userId: string, setId?: string): void {
  const errors = [validateUserId(userId), setId === undefined ? null : validateSetId(setId)].filter(
    (error): error is FieldError => error !== null,
  );
  if (errors.length > 0) throw new InvalidParams(errors);
}

/**
 * One user's preference sets: list (stored sets only), read (a set not stored reads as the defaults that
 * apply), set (replace or merge) and remove.
 */
export function preferencesRouter(deps: { db: Database; setsPerRecipient: number }): Router {
  const { db, setsPerRecipient } = deps;
  const router = Router();

  router.get('/users/:userId/preferences', async (req, res) => {
    const userId = req.params.userId;
    checkPath(userId);
    const sets = await listPreferenceSets(db, environmentOf(res.locals).environmentId, userRecipient(userId));
    res.json(sets.map((set) => toPreferenceSetResource(set.setId, set.document)));
  });

  router.get('/users/:userId/preferences/:setId', async (req, res) => {
    const userId = req.params.userId;
    const setId = req.params.setId;
    checkPath(userId, setId);
    const tenantId = tenantOfSet(setId, req.query.tenant);
    const { environmentId } = environmentOf(res.locals);
    const document = await getPreferenceSet(db, environmentId, userRecipient(userId), setId);
    if (document !== null) return void res.json(toPreferenceSetResource(setId, document));
    // Not stored: the defaults that apply, as Knock documents (the environment's set, the tenant's over it).
    const [environmentDefault, tenant] = await Promise.all([getEnvironmentDefaults(db, environmentId), tenantId === null ? null : getTenant(db, environmentId, tenantId)]);
    res.json(toPreferenceSetResource(setId, resolveTenantPreferenceSet(environmentDefault, tenant?.preferenceSet ?? null)));
  });

  router.put('/users/:userId/preferences/:setId', async (req, res) => {
    const userId = req.params.userId;
    const setId = req.params.setId;
    checkPath(userId, setId);
    const result = validatePutPreferences(req.body);
    if (!result.ok) throw invalidParams(result.errors);
    const { strategy, document } = result.value;
    // Past a stored limit this throws the db package's refusal, which the error handlers answer as a 422.
    const stored = await putPreferenceSet(db, environmentOf(res.locals).environmentId, userRecipient(userId), setId, strategy, document, { setsPerRecipient }, changeSourceOf(req, res));
    res.json(toPreferenceSetResource(setId, stored));
  });

  router.delete('/users/:userId/preferences/:setId', async (req, res) => {
    const userId = req.params.userId;
    const setId = req.params.setId;
    checkPath(userId, setId);
    await deletePreferenceSet(db, environmentOf(res.locals).environmentId, userRecipient(userId), setId, changeSourceOf(req, res));
    res.status(204).end();
  });

  return router;
}
