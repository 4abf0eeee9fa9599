import { Router } from 'express';
import { DEFAULT_SET_ID, toObjectResource, toPreferenceSetResource, validateObjectInput } from '@prefs/core';
import { deleteObject, getDefaultSets, getObject, listObjects, setObject, type Database } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams, NotFound } from '../errors';
import { pageInfo, QueryReader } from '../page-query';
import { checkCollection, includesPreferences, objectOfPath, RECIPIENTS, withinStoredLimits } from '../recipient-requests';

/** Knock's objects of a collection: list, set (create or merge properties), read and remove. */
export function objectsRouter(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();

  router.get('/objects/:collection', async (req, res) => {
    const collection = checkCollection(req.params.collection);
    const query = new QueryReader(req.query);
    const { pageSize, after, before } = query.page(RECIPIENTS);
    const withPreferences = includesPreferences(req.query, query);
    query.done();
    const { environmentId } = environmentOf(res.locals);
    const page = await listObjects(db, { environmentId, collection, pageSize, after, before });
    const sets = withPreferences ? await getDefaultSets(db, environmentId, collection, page.entries.map((object) => object.id)) : null;
    res.json({
      entries: page.entries.map((object) => ({
        ...toObjectResource(object),
        ...(sets ? { preferences: toPreferenceSetResource(DEFAULT_SET_ID, sets.get(object.id) ?? null) } : {}),
      })),
      page_info: pageInfo(RECIPIENTS, page, pageSize),
    });
  });

  router.get('/objects/:collection/:id', async (req, res) => {
    const { collection, id } = objectOfPath(req.params, 'id');
    const object = await getObject(db, environmentOf(res.locals).environmentId, collection, id);
    if (!object) throw new NotFound('No object has been set with this collection and id');
    res.json(toObjectResource(object));
  });

  router.put('/objects/:collection/:id', async (req, res) => {
    const { collection, id } = objectOfPath(req.params, 'id');
    // A PUT without a body sets the object with no properties, as `{}` does.
    const result = validateObjectInput(req.body === undefined ? {} : req.body, id);
    if (!result.ok) throw new InvalidParams(result.errors);
    const object = await withinStoredLimits('object', setObject(db, environmentOf(res.locals).environmentId, collection, result.value));
    res.json(toObjectResource(object));
  });

  router.delete('/objects/:collection/:id', async (req, res) => {
    const { collection, id } = objectOfPath(req.params, 'id');
    // Deleting what does not exist succeeds (recipients.md), as Knock answers.
    await deleteObject(db, environmentOf(res.locals).environmentId, collection, id);
    res.status(204).end();
  });

  return router;
}
