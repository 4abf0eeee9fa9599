import { idSchema, LIMITS } from '@prefs/core';

/**
 * What every part of the OpenAPI document shares: the builders, the error bodies and responses, the
 * common parameters and the security schemes. Each resource's module (`openapi/<resource>.ts`) exports
 * its `<resource>Paths` and `<resource>Schemas`; `openapi-document.ts` composes them.
 */

export type Schema = Record<string, unknown>;
export type Paths = Record<string, Record<string, Schema>>;

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
export const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });
export const json = (schema: Schema) => ({ 'application/json': { schema } });
export const response = (description: string, schema: Schema) => ({ description, content: json(schema) });
export const parameterRef = (name: string) => ({ $ref: `#/components/parameters/${name}` });
export const timestamp = (description: string): Schema => ({ type: 'string', format: 'date-time', description });
export const optionalTimestamp = (description: string): Schema => ({ type: ['string', 'null'], format: 'date-time', description });

/** The error answers, by status: every operation lists those it can give (see `errorResponses`). */
const ERROR_RESPONSES = {
  '400': 'BadRequest',
  '401': 'Unauthorized',
  '404': 'NotFound',
  '413': 'PayloadTooLarge',
  '415': 'UnsupportedMediaType',
  '422': 'InvalidParams',
  '429': 'RateLimited',
  '431': 'HeadersTooLarge',
  '503': 'ServiceUnavailable',
} as const;
export type ErrorStatus = keyof typeof ERROR_RESPONSES;

/**
 * The error responses of an operation. Every request may get 431 (headers too large, refused before
 * routing), so it is always listed; an authenticated `/v1` operation also answers 401, 429 and 503.
 */
export function errorResponses(...statuses: ErrorStatus[]): Record<string, Schema> {
  const all = new Set<ErrorStatus>([...statuses, '431']);
  return Object.fromEntries(
    [...all].sort().map((status) => [status, { $ref: `#/components/responses/${ERROR_RESPONSES[status]}` }]),
  );
}

/** The errors of every authenticated `/v1` operation, plus its own. */
export const v1Errors = (...statuses: ErrorStatus[]) => errorResponses('401', '429', '503', ...statuses);

/** The errors of a `/v1` operation that takes a JSON body, plus its own. */
export const v1BodyErrors = (...statuses: ErrorStatus[]) => v1Errors('400', '413', '415', '422', ...statuses);

export const sharedSchemas: Record<string, Schema> = {
  Error: {
    type: 'object',
    description: 'Every error answer: a stable machine code, a message for people, the HTTP status and a type.',
    properties: {
      code: { type: 'string', examples: ['resource_missing'] },
      message: { type: 'string' },
      status: { type: 'integer' },
      type: { type: 'string', examples: ['invalid_request_error'] },
    },
    required: ['code', 'message', 'status', 'type'],
    additionalProperties: false,
  },
  ValidationError: {
    type: 'object',
    description: '422 invalid_params: names every bad field by its path (e.g. `preferences.channel_types.fax`).',
    properties: {
      code: { const: 'invalid_params' },
      message: { type: 'string' },
      status: { const: 422 },
      type: { type: 'string' },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          properties: { field: { type: 'string' }, message: { type: 'string' }, type: { type: 'string' } },
          required: ['field', 'message', 'type'],
          additionalProperties: false,
        },
      },
    },
    required: ['code', 'message', 'status', 'type', 'errors'],
    additionalProperties: false,
  },
};

export const responses: Record<string, Schema> = {
  BadRequest: response('The request could not be read (malformed JSON or HTTP, or bytes that are not UTF-8).', ref('Error')),
  Unauthorized: response('Missing or unknown secret key.', ref('Error')),
  NotFound: response('No such resource in this environment.', ref('Error')),
  PayloadTooLarge: response('The body is larger than BODY_LIMIT_BYTES.', ref('Error')),
  UnsupportedMediaType: response('The body is not UTF-8 JSON (another content type, charset or content encoding).', ref('Error')),
  InvalidParams: response('Invalid parameters: every bad field is named.', ref('ValidationError')),
  RateLimited: {
    description: "Over the endpoint's rate-limit tier; retry after `Retry-After` seconds.",
    headers: {
      'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } },
      'X-RateLimit-Limit': { description: "Requests per second of the endpoint's tier.", schema: { type: 'integer', minimum: 0 } },
      'X-RateLimit-Remaining': { description: 'Requests left in the current second (0 here).', schema: { type: 'integer', minimum: 0 } },
    },
    content: json(ref('Error')),
  },
  HeadersTooLarge: response("The request's headers are larger than the server accepts; refused before routing.", ref('Error')),
  ServiceUnavailable: response('PostgreSQL is unavailable; retry shortly.', ref('Error')),
};

/** The query of a listing that pages both ways (users, objects): Knock's `after`, `before` and `page_size`. */
export function keysetPageParameters(maxPageSize: number, defaultPageSize: number): Schema[] {
  return [
    { name: 'after', in: 'query', required: false, description: 'The cursor to fetch entries after (`page_info.after`).', schema: { type: 'string' } },
    { name: 'before', in: 'query', required: false, description: 'The cursor to fetch entries before (`page_info.before`).', schema: { type: 'string' } },
    { name: 'page_size', in: 'query', required: false, description: 'The number of items per page.', schema: { type: 'integer', minimum: 1, maximum: maxPageSize, default: defaultPageSize } },
  ];
}

export const parameters: Record<string, Schema> = {
  UserId: { name: 'user_id', in: 'path', required: true, description: 'The unique identifier of the user.', schema: idSchema() },
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'A repeat with the same key in the same environment (within 24 h) returns the original operation; the same key with another body is a 422.',
    schema: { type: 'string', minLength: 1, maxLength: LIMITS.idempotencyKeyLength },
  },
};

export const securitySchemes: Record<string, Schema> = {
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'A secret key (`sk_...`) of one environment.' },
  adminBasicAuth: { type: 'http', scheme: 'basic', description: 'ADMIN_USER and ADMIN_PASSWORD.' },
};
