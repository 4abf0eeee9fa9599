import { Router, type Request, type Response } from 'express';
import { GRANULAR_FIELDS, toPreferenceSetResource, validateGranularPreferences, type GranularField } from '@prefs/core';
import { putPreferenceSet, type Database } from '@prefs/db';
import { environmentOf } from '../auth';
import { changeSourceOf } from '../change-source';
import { invalidParams } from '../errors';
import { RECIPIENT_PATHS, setOfPath, type RecipientPath } from '../recipient-requests';

/**
 * Knock's granular preference PUTs under a recipient's set (users' and objects'): each merges its body at
 * its key (see `validateGranularPreferences`) through the same write as `PUT .../preferences/:id`, and
 * answers the whole set as stored. Limits and errors are that write's (too large, too many sets).
 */

export function granularPreferencesRouter(deps: { db: Database; setsPerRecipient: number }, paths: readonly RecipientPath[] = RECIPIENT_PATHS): Router {
  const { db, setsPerRecipient } = deps;
  const router = Router();

  const handler = (path: RecipientPath, field: GranularField) => async (req: Request<Record<string, string>>, res: Response) => {
    const { recipient, setId } = setOfPath(path, req.params);
    const result = validateGranularPreferences(field, req.params.key, req.body);
    if (!result.ok) throw invalidParams(result.errors);
    const stored = await putPreferenceSet(db, environmentOf(res.locals).environmentId, recipient, setId, 'merge', result.value.document, { setsPerRecipient }, changeSourceOf(req, res));
    res.json(toPreferenceSetResource(setId, stored));
  };

  for (const path of paths) {
    for (const field of GRANULAR_FIELDS) {
      router.put(`${path.prefix}/preferences/:id/${field}`, handler(path, field));
      router.put(`${path.prefix}/preferences/:id/${field}/:key`, handler(path, field));
    }
  }
  return router;
}
