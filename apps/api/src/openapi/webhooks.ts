import { PATTERNS, WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES, WEBHOOK_LIMITS, WEBHOOK_URL_PATTERN } from '@prefs/core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../page-query';
import { json, ref, response, timestamp, v1BodyErrors, v1Errors, type Paths, type Schema } from './components';

/** Webhooks (beyond Knock): endpoints per environment, their signing secrets, and their deliveries. */

const eventTypes: Schema = { type: 'array', minItems: 1, items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] }, description: 'The events sent to this endpoint.' };
const url: Schema = {
  type: 'string',
  pattern: WEBHOOK_URL_PATTERN,
  maxLength: WEBHOOK_LIMITS.urlLength,
  description: 'Where events are POSTed: an http(s) URL that parses, without credentials or fragment. Its host may not resolve to a link-local or metadata address, nor to a loopback or private one unless WEBHOOK_ALLOW_PRIVATE=true.',
};
const description: Schema = { type: ['string', 'null'], maxLength: WEBHOOK_LIMITS.descriptionLength, pattern: PATTERNS.storableText };

const endpointProperties: Record<string, Schema> = {
  __typename: { const: 'WebhookEndpoint' },
  id: { type: 'string', format: 'uuid' },
  url: { type: 'string' },
  description,
  events: eventTypes,
  enabled: { type: 'boolean', description: 'Disabled endpoints are sent nothing; events recorded meanwhile are not kept for them.' },
  disabled_reason: { type: ['string', 'null'], enum: ['gone', 'failing', null], description: '`gone`: the endpoint answered 410; `failing`: every attempt failed for 5 days. Null when enabled, or disabled by its owner.' },
  created_at: timestamp('When the endpoint was registered.'),
  updated_at: timestamp('When the endpoint last changed.'),
};
const endpointRequired = Object.keys(endpointProperties);

const pageParameters = [
  { name: 'after', in: 'query', required: false, description: 'The cursor to fetch entries after (`page_info.after` of the previous page).', schema: { type: 'string' } },
  { name: 'before', in: 'query', required: false, description: 'The cursor to fetch entries before (`page_info.before`).', schema: { type: 'string' } },
  { name: 'page_size', in: 'query', required: false, description: 'The number of items per page.', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE } },
];
const endpointId = { name: 'id', in: 'path', required: true, description: 'The webhook endpoint id.', schema: { type: 'string' } };

export const webhooksSchemas: Record<string, Schema> = {
  WebhookEndpoint: { type: 'object', description: 'Where an environment\'s events are sent.', properties: endpointProperties, required: endpointRequired, additionalProperties: false },
  WebhookEndpointWithSecret: {
    type: 'object',
    description: 'An endpoint with its signing secret: shown only when made (registration, rotation).',
    properties: { ...endpointProperties, secret: { type: 'string', pattern: '^whsec_[A-Za-z0-9+/]+=*$', description: 'The Standard Webhooks signing secret (`whsec_` and base64).' } },
    required: [...endpointRequired, 'secret'],
    additionalProperties: false,
  },
  CreateWebhookEndpointRequest: {
    type: 'object',
    properties: { url, events: eventTypes, description },
    required: ['url', 'events'],
    additionalProperties: false,
  },
  UpdateWebhookEndpointRequest: {
    type: 'object',
    description: 'Enabling an endpoint clears `disabled_reason` and its failing streak.',
    properties: { url, events: eventTypes, description, enabled: { type: 'boolean' } },
    additionalProperties: false,
  },
  ListWebhookEndpointsResponse: {
    type: 'object',
    properties: { entries: { type: 'array', items: ref('WebhookEndpoint') }, page_info: ref('PageInfo') },
    required: ['entries', 'page_info'],
    additionalProperties: false,
  },
  WebhookDelivery: {
    type: 'object',
    description: 'One event sent to one endpoint, and its attempts.',
    properties: {
      __typename: { const: 'WebhookDelivery' },
      id: { type: 'string', format: 'uuid' },
      event_id: { type: 'string', description: 'The event\'s `webhook-id` header: the same on every attempt, so a receiver can drop repeats.' },
      type: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] },
      status: { type: 'string', enum: [...WEBHOOK_DELIVERY_STATUSES], description: '`pending` until a 2xx (`succeeded`) or until its retries run out (`failed`).' },
      attempts: {
        type: 'array',
        description: 'The latest attempts, oldest first.',
        items: {
          type: 'object',
          properties: {
            at: timestamp('When the attempt started.'),
            status_code: { type: ['integer', 'null'], description: 'The HTTP status answered; null when none was (refused, timed out).' },
            duration_ms: { type: 'integer', minimum: 0 },
            error: { type: ['string', 'null'] },
          },
          required: ['at', 'status_code', 'duration_ms', 'error'],
          additionalProperties: false,
        },
      },
      created_at: timestamp('When the event was recorded.'),
    },
    required: ['__typename', 'id', 'event_id', 'type', 'status', 'attempts', 'created_at'],
    additionalProperties: false,
  },
  ListWebhookDeliveriesResponse: {
    type: 'object',
    properties: { entries: { type: 'array', items: ref('WebhookDelivery') }, page_info: ref('PageInfo') },
    required: ['entries', 'page_info'],
    additionalProperties: false,
  },
  WebhookEventBody: {
    type: 'object',
    description: 'The body POSTed to an endpoint (Standard Webhooks), signed in `webhook-signature` over `webhook-id`, `webhook-timestamp` and this body.',
    properties: {
      type: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] },
      timestamp: timestamp('When the change happened.'),
      data: { description: 'bulk_operation.*: the BulkOperation; preference_set.*: `{ recipient, set_id, preference_set, source, actor }`; unsubscribe.created: the Unsubscribe.' },
    },
    required: ['type', 'timestamp', 'data'],
  },
};

const secretAnswer = (what: string) => response(what, ref('WebhookEndpointWithSecret'));

export const webhooksPaths: Paths = {
  '/v1/webhooks': {
    post: {
      operationId: 'createWebhookEndpoint',
      tags: ['Webhooks'],
      summary: 'Register a webhook endpoint (beyond Knock)',
      description: `Answers the endpoint with its signing secret, shown this once. At most ${WEBHOOK_LIMITS.endpointsPerEnvironment} per environment. Rate tier 3.`,
      requestBody: { required: true, content: json(ref('CreateWebhookEndpointRequest')) },
      responses: { '200': secretAnswer('The endpoint and its secret.'), ...v1BodyErrors() },
    },
    get: {
      operationId: 'listWebhookEndpoints',
      tags: ['Webhooks'],
      summary: 'List webhook endpoints',
      description: "The environment's endpoints, newest first. Rate tier 4.",
      parameters: pageParameters,
      responses: { '200': response('A page of endpoints.', ref('ListWebhookEndpointsResponse')), ...v1Errors('422') },
    },
  },
  '/v1/webhooks/{id}': {
    get: {
      operationId: 'getWebhookEndpoint',
      tags: ['Webhooks'],
      summary: 'Get a webhook endpoint',
      description: 'Rate tier 4.',
      parameters: [endpointId],
      responses: { '200': response('The endpoint.', ref('WebhookEndpoint')), ...v1Errors('404') },
    },
    patch: {
      operationId: 'updateWebhookEndpoint',
      tags: ['Webhooks'],
      summary: 'Change a webhook endpoint',
      description: 'Its url, events, description, or whether it is enabled. Rate tier 3.',
      parameters: [endpointId],
      requestBody: { required: true, content: json(ref('UpdateWebhookEndpointRequest')) },
      responses: { '200': response('The endpoint.', ref('WebhookEndpoint')), ...v1BodyErrors('404') },
    },
    delete: {
      operationId: 'deleteWebhookEndpoint',
      tags: ['Webhooks'],
      summary: 'Delete a webhook endpoint',
      description: 'With its deliveries. Rate tier 3.',
      parameters: [endpointId],
      responses: { '204': { description: 'Deleted.' }, ...v1Errors('404') },
    },
  },
  '/v1/webhooks/{id}/rotate_secret': {
    post: {
      operationId: 'rotateWebhookSecret',
      tags: ['Webhooks'],
      summary: "Rotate a webhook endpoint's secret",
      description: 'A new secret signs from now on; the previous one keeps signing alongside it (a second `v1,` signature) for 24 hours. Rate tier 3.',
      parameters: [endpointId],
      responses: { '200': secretAnswer('The endpoint and its new secret.'), ...v1Errors('404') },
    },
  },
  '/v1/webhooks/{id}/deliveries': {
    get: {
      operationId: 'listWebhookDeliveries',
      tags: ['Webhooks'],
      summary: "List a webhook endpoint's deliveries",
      description: 'One per event and endpoint, newest first. Rate tier 4.',
      parameters: [
        endpointId,
        ...pageParameters,
        { name: 'status', in: 'query', required: false, description: 'Only deliveries in this status.', schema: { type: 'string', enum: [...WEBHOOK_DELIVERY_STATUSES] } },
      ],
      responses: { '200': response('A page of deliveries.', ref('ListWebhookDeliveriesResponse')), ...v1Errors('404', '422') },
    },
  },
  '/v1/webhooks/{id}/deliveries/{delivery_id}/retry': {
    post: {
      operationId: 'retryWebhookDelivery',
      tags: ['Webhooks'],
      summary: 'Send a delivery again',
      description: 'Makes the delivery pending and due now, whatever it went through: one more attempt (and the schedule\'s retries after it, if any remain). Rate tier 3.',
      parameters: [endpointId, { name: 'delivery_id', in: 'path', required: true, description: 'The delivery id.', schema: { type: 'string' } }],
      responses: { '200': response('The delivery, pending.', ref('WebhookDelivery')), ...v1Errors('404') },
    },
  },
};

/** The events as OpenAPI 3.1 describes what a service sends: one webhook per event type. */
export const webhookEvents: Paths = Object.fromEntries(
  WEBHOOK_EVENT_TYPES.map((type) => [
    type,
    {
      post: {
        operationId: `webhook_${type.replace('.', '_')}`,
        summary: type,
        requestBody: { required: true, content: json(ref('WebhookEventBody')) },
        responses: { '200': { description: 'Any 2xx within 10 s is a success; 410 disables the endpoint; anything else is retried.' } },
      },
    },
  ]),
);
