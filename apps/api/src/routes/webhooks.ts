import { Router } from 'express';
import {
  UUID,
  validateWebhookEndpointInput,
  validateWebhookEndpointPatch,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_LIMITS,
  type WebhookDeliveryStatus,
} from '@prefs/core';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  retryWebhookDelivery,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type Database,
  type KeysetPosition,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
} from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams, NotFound } from '../errors';
import { pageInfo, QueryReader, type Listing } from '../page-query';
import { webhookUrlRefusal } from '../webhook-url';

/**
 * Webhook endpoints of the environment (secret key; operations-control.md section 4): register, list,
 * change, delete, rotate the signing secret, and list and retry an endpoint's deliveries. The workers
 * send the events (apps/worker/src/webhooks).
 */

/** Endpoints and deliveries page by (created_at, id); ids are UUIDs. */
const BY_CREATION: Listing<KeysetPosition> = {
  cursorMaxLength: 200,
  isId: (id) => UUID.test(id),
  backward: true,
  position: (at, id) => ({ at, id }),
  at: (position) => position.at,
};

function toEndpointResource(endpoint: WebhookEndpoint | WebhookEndpointWithSecret) {
  return {
    __typename: 'WebhookEndpoint',
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    events: endpoint.events,
    enabled: endpoint.enabled,
    disabled_reason: endpoint.disabledReason,
    created_at: endpoint.createdAt,
    updated_at: endpoint.updatedAt,
    ...('secret' in endpoint ? { secret: endpoint.secret } : {}),
  };
}

function toDeliveryResource(delivery: WebhookDelivery) {
  return {
    __typename: 'WebhookDelivery',
    id: delivery.id,
    event_id: delivery.eventId,
    type: delivery.type,
    status: delivery.status,
    attempts: delivery.attempts,
    created_at: delivery.createdAt,
  };
}

function isDeliveryStatus(value: string): value is WebhookDeliveryStatus {
  return WEBHOOK_DELIVERY_STATUSES.some((status) => status === value);
}

export function webhooksRouter(deps: { db: Database; allowPrivate: boolean }): Router {
  const { db, allowPrivate } = deps;
  const router = Router();

  const refuseUrl = async (url: string) => {
    const refusal = await webhookUrlRefusal(url, allowPrivate);
    if (refusal) throw new InvalidParams([refusal]);
  };
  const endpointOr404 = async (environmentId: string, id: string) => {
    const endpoint = await getWebhookEndpoint(db, environmentId, id);
    if (!endpoint) throw new NotFound('No webhook endpoint has this id');
    return endpoint;
  };

  router.post('/webhooks', async (req, res) => {
    const result = validateWebhookEndpointInput(req.body);
    if (!result.ok) throw new InvalidParams(result.errors);
    await refuseUrl(result.value.url);
    const created = await createWebhookEndpoint(db, environmentOf(res.locals).environmentId, result.value);
    if (!created) {
      const limit = WEBHOOK_LIMITS.endpointsPerEnvironment;
      throw new InvalidParams([{ field: 'url', message: `an environment may have at most ${limit} webhook endpoints`, type: 'too_many_webhooks' }], `An environment may have at most ${limit} webhook endpoints`, 'too_many_webhooks');
    }
    res.json(toEndpointResource(created));
  });

  router.get('/webhooks', async (req, res) => {
    const query = new QueryReader(req.query);
    const page = query.page(BY_CREATION);
    query.done();
    const found = await listWebhookEndpoints(db, { environmentId: environmentOf(res.locals).environmentId, ...page });
    res.json({ entries: found.entries.map(toEndpointResource), page_info: pageInfo(BY_CREATION, found, page.pageSize) });
  });

  router.get('/webhooks/:id', async (req, res) => {
    res.json(toEndpointResource(await endpointOr404(environmentOf(res.locals).environmentId, req.params.id)));
  });

  router.patch('/webhooks/:id', async (req, res) => {
    const environmentId = environmentOf(res.locals).environmentId;
    await endpointOr404(environmentId, req.params.id);
    const result = validateWebhookEndpointPatch(req.body);
    if (!result.ok) throw new InvalidParams(result.errors);
    if (result.value.url !== undefined) await refuseUrl(result.value.url);
    const updated = await updateWebhookEndpoint(db, environmentId, req.params.id, result.value);
    if (!updated) throw new NotFound('No webhook endpoint has this id');
    res.json(toEndpointResource(updated));
  });

  router.delete('/webhooks/:id', async (req, res) => {
    if (!(await deleteWebhookEndpoint(db, environmentOf(res.locals).environmentId, req.params.id))) throw new NotFound('No webhook endpoint has this id');
    res.status(204).end();
  });

  router.post('/webhooks/:id/rotate_secret', async (req, res) => {
    const rotated = await rotateWebhookSecret(db, environmentOf(res.locals).environmentId, req.params.id);
    if (!rotated) throw new NotFound('No webhook endpoint has this id');
    res.json(toEndpointResource(rotated));
  });

  router.get('/webhooks/:id/deliveries', async (req, res) => {
    const environmentId = environmentOf(res.locals).environmentId;
    const query = new QueryReader(req.query);
    const page = query.page(BY_CREATION);
    const rawStatus = query.text('status');
    const status = rawStatus !== null && isDeliveryStatus(rawStatus) ? rawStatus : null;
    if (rawStatus !== null && status === null) {
      query.refuse({ field: 'status', message: `status must be one of ${WEBHOOK_DELIVERY_STATUSES.join(', ')}`, type: 'isIn' });
    }
    query.done();
    await endpointOr404(environmentId, req.params.id);
    const found = await listWebhookDeliveries(db, { environmentId, endpointId: req.params.id, status, ...page });
    res.json({ entries: found.entries.map(toDeliveryResource), page_info: pageInfo(BY_CREATION, found, page.pageSize) });
  });

  router.post('/webhooks/:id/deliveries/:deliveryId/retry', async (req, res) => {
    const retried = await retryWebhookDelivery(db, environmentOf(res.locals).environmentId, req.params.id, req.params.deliveryId);
    if (!retried) throw new NotFound('No delivery of this webhook endpoint has this id');
    res.json(toDeliveryResource(retried));
  });

  return router;
}
