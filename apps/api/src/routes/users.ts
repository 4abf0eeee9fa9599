import { Router } from 'express';
import { MAX_STORED_PROPERTIES, MAX_STORED_PROPERTIES_BYTES, StoredPropertiesLimitError, toUserResource, validateUserId, validateUserInput, type UserRecord } from '@prefs/core';
import { deleteUser, getUser, identifyUser, type Database } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams, NotFound } from '../errors';

function checkUserId(id: string): void {
  const error = validateUserId(id);
  if (error) throw new InvalidParams([error]);
}

/** A merge that would grow the stored properties past their limits is a 422, like any bad body. */
async function withinLimits(write: Promise<UserRecord>): Promise<UserRecord> {
  try {
    return await write;
  } catch (error) {
    if (!(error instanceof StoredPropertiesLimitError)) throw error;
    throw new InvalidParams([
      { field: 'body', message: `a user may hold at most ${MAX_STORED_PROPERTIES} properties and ${MAX_STORED_PROPERTIES_BYTES} bytes of them; remove some (set them to null) first`, type: 'too_large' },
    ]);
  }
}

/** Knock's users: identify (create or merge properties), read and remove. */
export function usersRouter(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();

  router.get('/users/:id', async (req, res) => {
    const id = req.params.id;
    checkUserId(id);
    const user = await getUser(db, environmentOf(res.locals).environmentId, id);
    if (!user) throw new NotFound('No user has been identified with this id');
    res.json(toUserResource(user));
  });

  router.put('/users/:id', async (req, res) => {
    const id = req.params.id;
    checkUserId(id);
    // A PUT without a body identifies the user with no properties, as `{}` does.
    const result = validateUserInput(req.body === undefined ? {} : req.body, id);
    if (!result.ok) throw new InvalidParams(result.errors);
    res.json(toUserResource(await withinLimits(identifyUser(db, environmentOf(res.locals).environmentId, result.value))));
  });

  router.delete('/users/:id', async (req, res) => {
    const id = req.params.id;
    checkUserId(id);
    if (!(await deleteUser(db, environmentOf(res.locals).environmentId, id))) throw new NotFound('No user has this id');
    res.status(204).end();
  });

  return router;
}
