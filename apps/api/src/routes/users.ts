import { Router } from 'express';
import { MAX_STORED_PROPERTIES, MAX_STORED_PROPERTIES_BYTES, StoredPropertiesLimitError, toPreferenceSetResource, toUserResource, validateMergeUserRequest, validateUserId, validateUserInput, type UserRecord } from '@prefs/core';
import { deleteUser, getDefaultSets, getUser, identifyUser, listUsers, mergeUsers, type Database, type KeysetPosition } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams, NotFound } from '../errors';
import { pageInfo, QueryReader, type Listing } from '../page-query';

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

/** Users page by (created_at, id). */
const USERS: Listing<KeysetPosition> = {
  // A user id of 255 characters of up to 4 UTF-8 bytes each, JSON-escaped, in base64: well under 4,096.
  cursorMaxLength: 4096,
  isId: (id) => validateUserId(id) === null,
  backward: true,
  position: (at, id) => ({ at, id }),
  at: (position) => position.at,
};

/** `include[]=preferences` (as Knock's SDK sends it; `include=preferences` too): each user with its default set. */
function includesPreferences(query: Record<string, unknown>, reader: QueryReader): boolean {
  const values = [query['include[]'], query.include].flat().filter((value) => value !== undefined);
  if (values.some((value) => value !== 'preferences')) {
    reader.refuse({ field: 'include', message: 'include may only name preferences', type: 'isIn' });
  }
  return values.length > 0;
}

/** Knock's users: list, identify (create or merge properties), read and remove. */
export function usersRouter(deps: { db: Database; setsPerRecipient: number }): Router {
  const { db, setsPerRecipient } = deps;
  const router = Router();

  router.get('/users', async (req, res) => {
    const query = new QueryReader(req.query);
    const { pageSize, after, before } = query.page(USERS);
    const withPreferences = includesPreferences(req.query, query);
    query.done();
    const { environmentId } = environmentOf(res.locals);
    const page = await listUsers(db, { environmentId, pageSize, after, before });
    const sets = withPreferences ? await getDefaultSets(db, environmentId, page.entries.map((user) => user.id)) : null;
    res.json({
      entries: page.entries.map((user) => ({
        ...toUserResource(user),
        ...(sets ? { preferences: toPreferenceSetResource('default', sets.get(user.id) ?? null) } : {}),
      })),
      page_info: pageInfo(USERS, page, pageSize),
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
    if (!result.ok) throw new InvalidParams(result.errors);
    res.json(toUserResource(await withinLimits(identifyUser(db, environmentOf(res.locals).environmentId, result.value))));
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
