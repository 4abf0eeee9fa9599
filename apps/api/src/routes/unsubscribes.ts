import { Router } from 'express';
import { UUID, validateUserId } from '@prefs/core';
import { listUnsubscribes, type Database, type UnsubscribePosition, type UnsubscribeRecord } from '@prefs/db';
import { environmentOf } from '../auth';
import { pageInfo, QueryReader, type Listing } from '../page-query';

/** Unsubscribes page forwards only, by (created_at, id); an id is a UUID. */
const UNSUBSCRIBES: Listing<UnsubscribePosition> = {
  cursorMaxLength: 200,
  isId: (id) => UUID.test(id),
  backward: false,
  position: (at, id) => ({ createdAt: at, id }),
  at: (position) => position.createdAt,
};

function toResource(record: UnsubscribeRecord) {
  return {
    __typename: 'Unsubscribe',
    id: record.id,
    user_id: record.userId,
    scope: record.scope,
    tenant: record.tenant,
    link_id: record.linkId,
    source: record.source,
    inserted_at: record.createdAt,
    repeats: record.repeats,
    last_at: record.lastAt,
  };
}

/** GET /v1/users/:id/unsubscribes (secret key): every unsubscribe of the user through a link, newest first. */
export function unsubscribesRouter(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();

  router.get('/users/:userId/unsubscribes', async (req, res) => {
    const userId = req.params.userId;
    const query = new QueryReader(req.query);
    const userError = validateUserId(userId);
    if (userError) query.refuse(userError);
    const { pageSize, after } = query.page(UNSUBSCRIBES);
    query.done();
    // One more than the page: whether there is a next page, without counting.
    const records = await listUnsubscribes(db, environmentOf(res.locals).environmentId, userId, pageSize + 1, after);
    const page = records.slice(0, pageSize);
    res.json({
      entries: page.map(toResource),
      page_info: pageInfo(UNSUBSCRIBES, { after: records.length > pageSize ? page[page.length - 1] : null, before: null }, pageSize),
    });
  });

  return router;
}
