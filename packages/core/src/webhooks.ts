import type { FieldError, Validated } from './field-errors';
import { checkKeys } from './field-errors';
import { codePointLength, STORABLE_TEXT } from './contract';
import { isPlainObject, typeName } from './json';

/**
 * Webhooks (operations-control.md section 4): the events, the endpoints' bodies, the limits, and the
 * retry schedule, as data and pure functions. Signing and sending live with the workers; the address
 * guard in webhook-addresses.ts.
 */

export const WEBHOOK_EVENT_TYPES = [
  'bulk_operation.completed',
  'bulk_operation.failed',
  'preference_set.updated',
  'preference_set.deleted',
  'unsubscribe.created',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const WEBHOOK_LIMITS = {
  /** Endpoints of one environment: each event is one delivery per endpoint. */
  endpointsPerEnvironment: 20,
  urlLength: 2048,
  descriptionLength: 1024,
  /** A body larger than this is never sent (its delivery fails at once). */
  bodyBytes: 256 * 1024,
  /** A 2xx within this is a success. */
  timeoutMs: 10_000,
  /** After a rotation the previous secret keeps signing alongside the new one this long. */
  previousSecretMs: 24 * 3600 * 1000,
  /** An endpoint whose every attempt has failed for this long is disabled. */
  failingForMs: 5 * 24 * 3600 * 1000,
} as const;

/** At most this share of a wait is added or taken away at random, so that retries of a burst spread out. */
export const WEBHOOK_RETRY_JITTER = 0.2;

/**
 * The wait before the retry that follows `attemptsMade` attempts (1 after the first), from `scheduleMs`
 * (the waits before each retry: by default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, about a day in
 * all), jittered by `random` in [0, 1); null when the attempts are exhausted.
 */
export function webhookRetryDelayMs(scheduleMs: readonly number[], attemptsMade: number, random: number): number | null {
  const base = scheduleMs[attemptsMade - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 - WEBHOOK_RETRY_JITTER + 2 * WEBHOOK_RETRY_JITTER * random));
}

export interface WebhookEndpointInput {
  url: string;
  events: WebhookEventType[];
  description: string | null;
}

export interface WebhookEndpointPatch {
  url?: string;
  events?: WebhookEventType[];
  enabled?: boolean;
  description?: string | null;
}

const CREATE_FIELDS = ['url', 'events', 'description'] as const;
const PATCH_FIELDS = ['url', 'events', 'enabled', 'description'] as const;

/** `http(s)://` and only characters a URL may hold unescaped: never whitespace or controls (the document's pattern). */
export const WEBHOOK_URL_PATTERN = '^[hH][tT][tT][pP][sS]?://[\\x21-\\x7e]+$';
const WEBHOOK_URL = new RegExp(WEBHOOK_URL_PATTERN);

function urlError(value: unknown): FieldError | null {
  const refuse = (message: string, type = 'invalid_value'): FieldError => ({ field: 'url', message, type });
  if (typeof value !== 'string') return refuse(`url must be a string, got ${typeName(value)}`, 'invalid_type');
  if (value.length > WEBHOOK_LIMITS.urlLength || !WEBHOOK_URL.test(value)) return refuse(`url must be an http(s) URL of at most ${WEBHOOK_LIMITS.urlLength} characters`);
  // What the document says in words only ("isUrl"): a URL that parses, without credentials or fragment.
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refuse('url must be an absolute http(s) URL', 'isUrl');
  }
  if (url.username || url.password) return refuse('url must not carry credentials', 'isUrl');
  if (url.hash || value.includes('#')) return refuse('url must not carry a fragment', 'isUrl');
  return null;
}

function eventsError(value: unknown): FieldError | null {
  const known = (WEBHOOK_EVENT_TYPES as readonly string[]);
  if (!Array.isArray(value) || value.length === 0 || value.some((type) => typeof type !== 'string' || !known.includes(type))) {
    return { field: 'events', message: `events must be a non-empty list of ${WEBHOOK_EVENT_TYPES.join(', ')}`, type: 'invalid_value' };
  }
  return null;
}

function descriptionError(value: unknown): FieldError | null {
  if (value === null || (typeof value === 'string' && codePointLength(value) <= WEBHOOK_LIMITS.descriptionLength && STORABLE_TEXT.test(value))) return null;
  return { field: 'description', message: `description must be text of at most ${WEBHOOK_LIMITS.descriptionLength} characters, or null`, type: 'invalid_value' };
}

function objectBody(body: unknown, allowed: readonly string[], errors: FieldError[]): body is Record<string, unknown> {
  if (!isPlainObject(body)) {
    errors.push({ field: 'body', message: `the body must be a JSON object, got ${typeName(body)}`, type: 'invalid_type' });
    return false;
  }
  checkKeys(body, allowed, '', errors);
  return true;
}

const distinct = (events: unknown) => [...new Set(events as WebhookEventType[])];

/** The body of POST /v1/webhooks: `{ url, events, description? }`. */
export function validateWebhookEndpointInput(body: unknown): Validated<WebhookEndpointInput> {
  const errors: FieldError[] = [];
  if (!objectBody(body, CREATE_FIELDS, errors)) return { ok: false, errors };
  for (const error of [urlError(body.url), eventsError(body.events), body.description === undefined ? null : descriptionError(body.description)]) {
    if (error) errors.push(error);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { url: body.url as string, events: distinct(body.events), description: (body.description as string | null | undefined) ?? null } };
}

/** The body of PATCH /v1/webhooks/:id: any of `url`, `events`, `enabled`, `description`. */
export function validateWebhookEndpointPatch(body: unknown): Validated<WebhookEndpointPatch> {
  const errors: FieldError[] = [];
  if (!objectBody(body, PATCH_FIELDS, errors)) return { ok: false, errors };
  if (body.url !== undefined) pushError(errors, urlError(body.url));
  if (body.events !== undefined) pushError(errors, eventsError(body.events));
  if (body.description !== undefined) pushError(errors, descriptionError(body.description));
  if (body.enabled !== undefined && typeof body.enabled !== 'boolean') {
    errors.push({ field: 'enabled', message: `enabled must be a boolean, got ${typeName(body.enabled)}`, type: 'invalid_type' });
  }
  if (errors.length > 0) return { ok: false, errors };
  const patch: WebhookEndpointPatch = {};
  if (body.url !== undefined) patch.url = body.url as string;
  if (body.events !== undefined) patch.events = distinct(body.events);
  if (body.enabled !== undefined) patch.enabled = body.enabled as boolean;
  if (body.description !== undefined) patch.description = body.description as string | null;
  return { ok: true, value: patch };
}

function pushError(errors: FieldError[], error: FieldError | null): void {
  if (error) errors.push(error);
}
