import { errorResponses, ref, response, type Paths, type Schema } from './components';

/** For the people who run the service: health, metrics, this document and the queue dashboard. */

export const operatorEndpointsSchemas: Record<string, Schema> = {
  Health: {
    type: 'object',
    properties: { status: { const: 'ok' } },
    required: ['status'],
    additionalProperties: false,
  },
  Readiness: {
    type: 'object',
    properties: {
      status: { type: 'string', enum: ['ready', 'unavailable'] },
      checks: {
        type: 'object',
        description: '"ok", or "unavailable: <why>", per dependency.',
        properties: { postgres: { type: 'string' }, redis: { type: 'string' } },
        required: ['postgres', 'redis'],
        additionalProperties: false,
      },
    },
    required: ['status', 'checks'],
    additionalProperties: false,
  },
};

export const operatorEndpointsPaths: Paths = {
  '/healthz': {
    get: {
      operationId: 'liveness',
      tags: ['Operations'],
      summary: 'Liveness',
      description: 'The process is up. Workers serve the same on WORKER_PORT.',
      security: [],
      responses: { '200': response('Up.', ref('Health')), ...errorResponses() },
    },
  },
  '/readyz': {
    get: {
      operationId: 'readiness',
      tags: ['Operations'],
      summary: 'Readiness',
      description: 'PostgreSQL and Redis answer (each within 2 s). Workers serve the same on WORKER_PORT.',
      security: [],
      responses: {
        '200': response('Ready.', ref('Readiness')),
        ...errorResponses(),
        '503': response('A dependency does not answer; `checks` says which.', ref('Readiness')),
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      tags: ['Operations'],
      summary: 'Prometheus metrics',
      description: "The process's metrics in the Prometheus text format. Workers serve theirs on WORKER_PORT.",
      security: [],
      responses: { '200': { description: 'Metrics.', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errorResponses() },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'openapi',
      tags: ['Operations'],
      summary: 'This document',
      security: [],
      responses: {
        '200': response('The OpenAPI 3.1 document.', {
          type: 'object',
          properties: { openapi: { type: 'string', pattern: '^3\\.1\\.' }, info: { type: 'object' }, paths: { type: 'object' } },
          required: ['openapi', 'info', 'paths'],
        }),
        ...errorResponses(),
      },
    },
  },
  '/admin/queues': {
    get: {
      operationId: 'queueDashboard',
      tags: ['Operations'],
      summary: 'Queue dashboard (Bull Board)',
      description:
        'The Bull Board dashboard and, under this path, its own JSON API. Only when ADMIN_USER and ADMIN_PASSWORD are set (404 otherwise); read-only unless ADMIN_READ_ONLY=false.',
      security: [{ adminBasicAuth: [] }],
      responses: {
        '200': { description: 'The dashboard page.', content: { 'text/html': { schema: { type: 'string' } } } },
        ...errorResponses(),
        '401': response('Missing or wrong user name or password.', ref('Error')),
        '404': response('The dashboard is off (no ADMIN_USER and ADMIN_PASSWORD).', ref('Error')),
      },
    },
  },
  '/admin/queues/environments': {
    get: {
      operationId: 'queueEnvironments',
      tags: ['Operations'],
      summary: 'Bulk operations by environment (queue dashboard)',
      description:
        "Each environment's weight, its bulk operations queued and processing, and how long its oldest queued one has waited, from PostgreSQL; " +
        'linked from the dashboard. HTML, or JSON for `Accept: application/json`. Behind the dashboard\'s basic auth (404 when it is off).',
      security: [{ adminBasicAuth: [] }],
      responses: {
        '200': {
          description: 'The environments.',
          content: {
            'text/html': { schema: { type: 'string' } },
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  entries: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        name: { type: 'string' },
                        weight: { type: 'integer', minimum: 1 },
                        queued: { type: 'integer', minimum: 0 },
                        processing: { type: 'integer', minimum: 0 },
                        oldest_wait_seconds: { type: 'number', minimum: 0 },
                      },
                      required: ['name', 'weight', 'queued', 'processing', 'oldest_wait_seconds'],
                      additionalProperties: false,
                    },
                  },
                },
                required: ['entries'],
                additionalProperties: false,
              },
            },
          },
        },
        ...errorResponses(),
        '401': response('Missing or wrong user name or password.', ref('Error')),
        '404': response('The dashboard is off (no ADMIN_USER and ADMIN_PASSWORD).', ref('Error')),
      },
    },
  },
};
