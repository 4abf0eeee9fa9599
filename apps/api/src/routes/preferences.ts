import { Router, type Request } from 'express';
import { computeEffectiveSet, toPreferenceSetResource, validatePutPreferences } from '@prefs/core';
import { deletePreferenceSet, getEnvironmentDefaults, getPreferenceSet, getTenant, listPreferenceSets, putPreferenceSet, type Database } from '@prefs/db';
import { environmentOf } from '../auth';
import { changeSourceOf } from '../change-source';
import { invalidParams } from '../errors';
import { RECIPIENT_PATHS, setOfPath, type RecipientPath } from '../recipient-requests';
import { tenantOfSet } from '../set-tenant';

/**
 * A recipient's preference sets, users' and objects' alike (one router mounted under each recipient
 * path): list (stored sets only), read (a set not stored reads as the defaults that apply), set (replace
 * or merge) and remove.
 */
/** A recipient path's parameters and the set's `id`. */
type PathParams = Record<string, string>;

export function preferencesRouter(deps: { db: Database; setsPerRecipient: number }, paths: readonly RecipientPath[] = RECIPIENT_PATHS): Router {
  const { db, setsPerRecipient } = deps;
  const router = Router();

  for (const path of paths) {
    const sets = `${path.prefix}/preferences`;

    router.get(sets, async (req: Request<PathParams>, res) => {
      const recipient = path.recipientOf(req.params);
      const stored = await listPreferenceSets(db, environmentOf(res.locals).environmentId, recipient);
      res.json(stored.map((set) => toPreferenceSetResource(set.setId, set.document)));
    });

    router.get(`${sets}/:id`, async (req: Request<PathParams>, res) => {
      const { recipient, setId } = setOfPath(path, req.params);
      const tenantId = tenantOfSet(setId, req.query.tenant);
      const { environmentId } = environmentOf(res.locals);
      const document = await getPreferenceSet(db, environmentId, recipient, setId);
      if (document !== null) return void res.json(toPreferenceSetResource(setId, document));
      // Not stored: the defaults that apply, as Knock documents: the environment's set with the tenant's over
      // it, resolved as for an evaluation (its `__strategy__` markers applied, none left in the answer).
      const [environment, tenant] = await Promise.all([getEnvironmentDefaults(db, environmentId), tenantId === null ? null : getTenant(db, environmentId, tenantId)]);
      const defaults = computeEffectiveSet({ environment, tenant: tenantId === null ? null : { id: tenantId, document: tenant?.preferenceSet ?? null }, userDefault: null });
      res.json(toPreferenceSetResource(setId, defaults.document));
    });

    router.put(`${sets}/:id`, async (req: Request<PathParams>, res) => {
      const { recipient, setId } = setOfPath(path, req.params);
      const result = validatePutPreferences(req.body);
      if (!result.ok) throw invalidParams(result.errors);
      const { strategy, document } = result.value;
      // Past a stored limit this throws the db package's refusal, which the error handlers answer as a 422.
      const stored = await putPreferenceSet(db, environmentOf(res.locals).environmentId, recipient, setId, strategy, document, { setsPerRecipient }, changeSourceOf(req, res));
      res.json(toPreferenceSetResource(setId, stored));
    });

    router.delete(`${sets}/:id`, async (req: Request<PathParams>, res) => {
      const { recipient, setId } = setOfPath(path, req.params);
      await deletePreferenceSet(db, environmentOf(res.locals).environmentId, recipient, setId, changeSourceOf(req, res));
      res.status(204).end();
    });
  }

  return router;
}
