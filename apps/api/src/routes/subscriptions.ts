import { Router, type Request, type Response } from 'express';
import {
  isIdText,
  MAX_STORED_PROPERTIES,
  MAX_STORED_PROPERTIES_BYTES,
  MAX_SUBSCRIPTION_RECIPIENTS,
  StoredPropertiesLimitError,
  toSubscriptionResource,
  userRecipient,
  USERS_COLLECTION,
  validateAddSubscriptionsRequest,
  validateCollection,
  validateDeleteSubscriptionsRequest,
  validateRecipientId,
  type RecipientReference,
  type SubscriptionRecord,
} from '@prefs/core';
import { addSubscriptions, deleteSubscriptions, listSubscriptions, type Database, type KeysetPosition, type SubscriptionSide } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams, NotFound } from '../errors';
import { sendJsonList } from '../json-list-answer';
import { pageInfo, QueryReader, type Listing } from '../page-query';
import { readReferences } from '../reference-query';
import { objectOfPath } from '../recipient-requests';

/**
 * Knock's subscriptions of objects: list an object's subscribers (or, `mode=recipient`, what the object
 * subscribes to), add (identifying the recipients) and delete; and list a user's subscriptions. Answers
 * embed both ends whole, so they are written one entry at a time (json-list-answer.ts).
 */

type ObjectParams = { collection: string; object_id: string };

/** Subscriptions page by (inserted_at, the other end's collection and id: one line each). */
const SUBSCRIPTIONS: Listing<KeysetPosition> = {
  // Two ids of 255 characters of up to 4 UTF-8 bytes each, JSON-escaped, in base64: well under 8,192.
  cursorMaxLength: 8192,
  isId: (id) => {
    const [collection, recipientId, extra] = id.split('\n');
    if (extra !== undefined || collection === undefined || recipientId === undefined || !isIdText(recipientId)) return false;
    return collection === USERS_COLLECTION || validateCollection(collection, 'collection').ok;
  },
  backward: true,
  position: (at, id) => ({ at, id }),
  at: (position) => position.at,
};

/** A stored property limit passed by a recipient identified inline: a 422 naming the recipients. */
function refuseOverLimit(error: unknown): never {
  if (!(error instanceof StoredPropertiesLimitError)) throw error;
  const message = `users ${error.ids.join(', ')} would hold more than ${MAX_STORED_PROPERTIES} properties or ${MAX_STORED_PROPERTIES_BYTES} bytes of them`;
  throw new InvalidParams([{ field: 'recipients', message, type: 'too_large' }]);
}

/** The answer of add and delete: Knock's SubscriptionsResponse, a bare list. */
const sendSubscriptions = (res: Response, records: SubscriptionRecord[]) => sendJsonList(res, { key: null }, records, toSubscriptionResource);

export function subscriptionsRouter(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();

  /** One page of subscriptions of `of` (its subscribers, or its subscriptions), the other end filtered by `filter`. */
  async function sendPage(req: Request, res: Response, side: SubscriptionSide, of: RecipientReference, filter: string, query: QueryReader) {
    const page = query.page(SUBSCRIPTIONS);
    if (req.query['include[]'] !== undefined || req.query.include !== undefined) {
      query.refuse({ field: 'include', message: 'include[]=preferences is not served on subscription listings yet', type: 'unsupported' });
    }
    const only = readReferences(req.query, filter, query, MAX_SUBSCRIPTION_RECIPIENTS);
    query.done();
    const result = await listSubscriptions(db, { environmentId: environmentOf(res.locals).environmentId, side, of, only, pageSize: page.pageSize, after: page.after, before: page.before });
    await sendJsonList(res, { key: 'entries', after: { page_info: pageInfo(SUBSCRIPTIONS, result, page.pageSize) } }, result.entries, toSubscriptionResource);
  }

  router.get('/objects/:collection/:object_id/subscriptions', async (req: Request<ObjectParams>, res) => {
    const object = objectOfPath(req.params, 'object_id');
    const query = new QueryReader(req.query);
    const mode = query.text('mode') ?? 'object';
    if (mode !== 'object' && mode !== 'recipient') query.refuse({ field: 'mode', message: 'mode must be object (its subscribers) or recipient (what it subscribes to)', type: 'isIn' });
    // Knock: `recipients[]` filters the subscribers (mode object), `objects[]` the objects (mode recipient).
    if (mode === 'recipient') await sendPage(req as Request, res, 'recipient', object, 'objects', query);
    else await sendPage(req as Request, res, 'object', object, 'recipients', query);
  });

  router.get('/users/:user_id/subscriptions', async (req, res) => {
    const id = validateRecipientId(req.params.user_id, 'user_id');
    if (!id.ok) throw new InvalidParams(id.errors);
    await sendPage(req, res, 'recipient', userRecipient(id.value), 'objects', new QueryReader(req.query));
  });

  router.post('/objects/:collection/:object_id/subscriptions', async (req: Request<ObjectParams>, res) => {
    const object = objectOfPath(req.params, 'object_id');
    const body = validateAddSubscriptionsRequest(req.body, object);
    if (!body.ok) throw new InvalidParams(body.errors);
    const added = await addSubscriptions(db, environmentOf(res.locals).environmentId, object, body.value).catch(refuseOverLimit);
    if (added === null) throw new NotFound('No object is stored with this collection and id: set it first');
    await sendSubscriptions(res, added);
  });

  router.delete('/objects/:collection/:object_id/subscriptions', async (req: Request<ObjectParams>, res) => {
    const object = objectOfPath(req.params, 'object_id');
    const body = validateDeleteSubscriptionsRequest(req.body);
    if (!body.ok) throw new InvalidParams(body.errors);
    await sendSubscriptions(res, await deleteSubscriptions(db, environmentOf(res.locals).environmentId, object, body.value));
  });

  return router;
}
