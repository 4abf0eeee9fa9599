import { Router } from 'express';
import { toPreferenceSetResource, toUserResource, USERS_COLLECTION, validateMergeUserRequest, validateUserInput, type UserRecord } from '@prefs/core';
import { deleteUser, getDefaultSets, getUser, identifyUser, listUsers, mergeUsers, type Database } from '@prefs/db';
import { environmentOf } from '../auth';
import { changeSourceOf } from '../change-source';
import { InvalidParams, invalidParams, NotFound } from '../errors';
import { pageInfo, QueryReader } from '../page-query';
import { checkRecipientId, includesPreferences, RECIPIENTS, withinStoredLimits } from '../recipient-requests';

const checkUserId = (id: string) => checkRecipientId(id, 'user_id');
const withinLimits = (write: Promise<UserRecord>) => withinStoredLimits('user', write);

/** Knock's users: list, identify (create or merge properties), read and remove. */
export function usersRouter(deps: { db: Database; setsPerRecipient: number }): Router {
  const { db, setsPerRecipient } = deps;
  const router = Router();

  router.get('/users', async (req, res) => {
    const query = new QueryReader(req.query);
    const { pageSize, after, before } = query.page(RECIPIENTS);
    const withPreferences = includesPreferences(req.query, query);
    query.done();
    const { environmentId } = environmentOf(res.locals);
    const page = await listUsers(db, { environmentId, pageSize, after, before });
    const sets = withPreferences ? await getDefaultSets(db, environmentId, USERS_COLLECTION, page.entries.map((user) => user.id)) : null;
    res.json({
      entries: page.entries.map((user) => ({
        ...toUserResource(user),
        ...(sets ? { preferences: toPreferenceSetResource('default', sets.get(user.id) ?? null) } : {}),
      })),
      page_info: pageInfo(RECIPIENTS, page, pageSize),
    });
  });

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
    if (!result.ok) throw invalidParams(result.errors);
    res.json(toUserResource(await withinLimits(identifyUser(db, environmentOf(res.locals).environmentId, result.value, { setsPerRecipient }, { source: 'inline', actor: changeSourceOf(req, res).actor }))));
  });

  // Knock's merge: the user of `from_user_id` folded into this one, then deleted (merge-users.ts).
  router.post('/users/:id/merge', async (req, res) => {
    const id = req.params.id;
    checkUserId(id);
    const from = validateMergeUserRequest(req.body, id);
    if (!from.ok) throw new InvalidParams(from.errors);
    const merged = await withinLimits(mergeUsers(db, environmentOf(res.locals).environmentId, id, from.value, { setsPerRecipient }).then((user) => {
      if (!user) throw new NotFound('No user has been identified with from_user_id');
      return user;
    }));
    res.json(toUserResource(merged));
  });

  router.delete('/users/:id', async (req, res) => {
    const id = req.params.id;
    checkUserId(id);
    // Deleting what does not exist succeeds (recipients.md), as Knock answers.
    await deleteUser(db, environmentOf(res.locals).environmentId, id);
    res.status(204).end();
  });

  return router;
}
