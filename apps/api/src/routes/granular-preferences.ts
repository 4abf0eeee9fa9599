import { Router, type Request } from 'express';
import { GRANULAR_FIELDS, toPreferenceSetResource, userRecipient, validateGranularPreferences, validateSetId, validateUserId, type FieldError, type GranularField } from '@prefs/core';
import { putPreferenceSet, type Database } from '@prefs/db';
import { environmentOf } from '../auth';
import { changeSourceOf } from '../change-source';
import { InvalidParams, invalidParams } from '../errors';

/**
 * Knock's granular preference PUTs under a user's set: each merges its body at its key (see
 * `validateGranularPreferences`) through the same write as `PUT .../preferences/:id`, and answers the
 * whole set as stored. Limits and errors are that write's (too large, too many sets).
 */

type GranularParams = { userId: string; setId: string; key?: string };

export function granularPreferencesRouter(deps: { db: Database; setsPerRecipient: number }): Router {
  const { db, setsPerRecipient } = deps;
  const router = Router();

  const handler = (field: GranularField) => async (req: Request<GranularParams>, res: import('express').Response) => {
    const { userId, setId, key } = req.params;
    const errors = [validateUserId(userId), validateSetId(setId)].filter((error): error is FieldError => error !== null);
    if (errors.length > 0) throw new InvalidParams(errors);
    const result = validateGranularPreferences(field, key, req.body);
    if (!result.ok) throw invalidParams(result.errors);
    const stored = await putPreferenceSet(db, environmentOf(res.locals).environmentId, userRecipient(userId), setId, 'merge', result.value.document, { setsPerRecipient }, changeSourceOf(req, res));
    res.json(toPreferenceSetResource(setId, stored));
  };

  for (const field of GRANULAR_FIELDS) {
    router.put(`/users/:userId/preferences/:setId/${field}`, handler(field));
    router.put(`/users/:userId/preferences/:setId/${field}/:key`, handler(field));
  }
  return router;
}
