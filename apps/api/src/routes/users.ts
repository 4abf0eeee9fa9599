import { Router, type RequestHandler } from 'express';
import { toUserResource, validateUserId, validateUserInput } from '@prefs/core';
import { deleteUser, getUser, identifyUser, type Database } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams, NotFound } from '../errors';
import type { RateTier } from '../rate-limit';

function checkUserId(id: string): void {
  const error = validateUserId(id);
  if (error) throw new InvalidParams([error]);
}

/** Knock's users: identify (create or merge properties), read and remove. */
export function usersRouter(deps: { db: Database; rateLimit: (tier: RateTier) => RequestHandler }): Router {
  const { db, rateLimit } = deps;
  const router = Router();

  router.get('/users/:id', rateLimit(4), async (req, res) => {
    const id = req.params.id as string;
    checkUserId(id);
    const user = await getUser(db, environmentOf(res.locals).environmentId, id);
    if (!user) throw new NotFound('No user has been identified with this id');
    res.json(toUserResource(user));
  });

  router.put('/users/:id', rateLimit(3), async (req, res) => {
    const id = req.params.id as string;
    checkUserId(id);
    // A PUT without a body identifies the user with no properties, as `{}` does.
    const result = validateUserInput(req.body === undefined ? {} : req.body, id);
    if (!result.ok) throw new InvalidParams(result.errors);
    res.json(toUserResource(await identifyUser(db, environmentOf(res.locals).environmentId, result.value)));
  });

  router.delete('/users/:id', rateLimit(3), async (req, res) => {
    const id = req.params.id as string;
    checkUserId(id);
    if (!(await deleteUser(db, environmentOf(res.locals).environmentId, id))) throw new NotFound('No user has this id');
    res.status(204).end();
  });

  return router;
}
