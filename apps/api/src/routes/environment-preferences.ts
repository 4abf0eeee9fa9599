import { Router } from 'express';
import { DEFAULT_SET_ID, toPreferenceSetResource, validatePutPreferences } from '@prefs/core';
import { getEnvironmentDefaults, putEnvironmentDefaults, type Database } from '@prefs/db';
import { environmentOf } from '../auth';
import { invalidParams } from '../errors';

/** The environment's default set (beyond Knock's API, which sets it in its dashboard): read, replace or merge. */
export function environmentPreferencesRouter(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();

  router.get('/environment/preferences', async (_req, res) => {
    const document = await getEnvironmentDefaults(db, environmentOf(res.locals).environmentId);
    res.json(toPreferenceSetResource(DEFAULT_SET_ID, document));
  });

  router.put('/environment/preferences', async (req, res) => {
    const result = validatePutPreferences(req.body);
    if (!result.ok) throw invalidParams(result.errors);
    const { strategy, document } = result.value;
    const stored = await putEnvironmentDefaults(db, environmentOf(res.locals).environmentId, document, strategy);
    res.json(toPreferenceSetResource(DEFAULT_SET_ID, stored));
  });

  return router;
}
