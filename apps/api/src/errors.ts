import type { ErrorRequestHandler } from 'express';
import { PREFERENCE_SET_LIMITS, PREFERENCE_SET_TOO_LARGE, type FieldError } from '@prefs/core';
import { InlineSetsRefusedError, isTransientError, PreferenceSetLimitError, PreferenceSetTooLargeError } from '@prefs/db';
import type { Logger } from '@prefs/logger';

/**
 * One error class per HTTP meaning; handlers throw them and `errorHandler` alone writes the spec's
 * error body `{ code, message, status, type }`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    // Each subclass (NotFound, InvalidParams, ...) named by its class, in logs and stack traces.
    this.name = new.target.name;
  }

  body(): Record<string, unknown> {
    return { code: this.code, message: this.message, status: this.status, type: this.type };
  }
}

export class InvalidParams extends ApiError {
  constructor(readonly errors: FieldError[], message = 'The request has invalid parameters', code = 'invalid_params') {
    super(422, code, message);
  }

  override body(): Record<string, unknown> {
    return { ...super.body(), errors: this.errors };
  }
}

/** A write that would store a preference set over its size limit (or sends a document over it). */
export class PreferenceSetTooLarge extends InvalidParams {
  constructor(errors: FieldError[]) {
    super(errors, `A preference set may hold at most ${PREFERENCE_SET_LIMITS.bytes} bytes`, PREFERENCE_SET_TOO_LARGE);
  }
}

/** A new set for a recipient that already holds as many as it may. */
export class TooManyPreferenceSets extends InvalidParams {
  constructor(limit: number, field = 'set_id') {
    super(
      [{ field, message: `a recipient may hold at most ${limit} preference sets; delete one first`, type: 'too_many_preference_sets' }],
      `A recipient may hold at most ${limit} preference sets`,
      'too_many_preference_sets',
    );
  }
}

/** The 422 for a body's field errors: `preference_set_too_large` when that is what they say. */
export function invalidParams(errors: FieldError[]): InvalidParams {
  return errors.some((error) => error.type === PREFERENCE_SET_TOO_LARGE) ? new PreferenceSetTooLarge(errors) : new InvalidParams(errors);
}

export class BadRequest extends ApiError {
  constructor(message: string, code = 'invalid_request') {
    super(400, code, message);
  }
}

export class Unauthorized extends ApiError {
  constructor(message = 'The request is not authenticated: send Authorization: Bearer <secret key>') {
    super(401, 'unauthenticated', message, 'authentication_error', { 'WWW-Authenticate': 'Bearer' });
  }
}

export class Forbidden extends ApiError {
  constructor(message = 'The key or user token does not allow this request') {
    super(403, 'forbidden', message, 'authorization_error');
  }
}

export class NotFound extends ApiError {
  constructor(message = 'The resource you requested does not exist') {
    super(404, 'resource_missing', message);
  }
}

export class PayloadTooLarge extends ApiError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The request body is larger than ${limitBytes} bytes, the most this caller may send to this endpoint`);
  }
}

export class UnsupportedMediaType extends ApiError {
  constructor(message = 'The request body must be JSON (Content-Type: application/json)') {
    super(415, 'unsupported_media_type', message);
  }
}

export class RateLimited extends ApiError {
  constructor(retryAfterSeconds: number, limit: number, message = `Too many requests: at most ${limit} per second for this endpoint`) {
    super(429, 'rate_limit_exceeded', message, 'rate_limit_error', {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}

/** An end user's link that is malformed, tampered with, or signed by a retired secret. */
export class InvalidLink extends ApiError {
  constructor() {
    super(400, 'invalid_link', 'This link is not valid: it may have been cut short or changed. Use the link from your most recent message.');
  }
}

export class ServiceUnavailable extends ApiError {
  constructor(message = 'The service is temporarily unavailable; try again shortly') {
    super(503, 'service_unavailable', message, 'api_error', { 'Retry-After': '1' });
  }
}

/** What body-parser throws, by its `type`. */
function fromBodyParser(error: { type?: string; status?: number; limit?: number }): ApiError | null {
  switch (error.type) {
    case 'entity.parse.failed':
      return new BadRequest('The request body is not valid JSON', 'invalid_json');
    case 'body.invalid_utf8':
      return new BadRequest('The request body is not valid UTF-8', 'invalid_json');
    case 'entity.too.large':
      return new PayloadTooLarge(error.limit ?? 0);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaType('The request body must be UTF-8 JSON');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new BadRequest('The request body could not be read');
    case 'parameters.too.many':
      return new BadRequest('The request has too many parameters');
    default:
      return null;
  }
}

/** The db package's refusals of a stored limit, as the 422 they are on whichever route met them. */
function fromStoredLimit(error: unknown): ApiError | null {
  if (error instanceof PreferenceSetTooLargeError) {
    return new PreferenceSetTooLarge([
      {
        field: 'preferences',
        message: `the set would be larger than ${PREFERENCE_SET_LIMITS.bytes} bytes once merged; remove some of it (set keys to null) first`,
        type: PREFERENCE_SET_TOO_LARGE,
      },
    ]);
  }
  if (error instanceof PreferenceSetLimitError) return new TooManyPreferenceSets(error.limit);
  if (error instanceof InlineSetsRefusedError) {
    // One request's inline preferences (identify, set): the sets too large by name, else the count.
    const tooLarge = error.refusals.filter((refusal) => refusal.limit === 'size');
    if (tooLarge.length === 0) return new TooManyPreferenceSets(error.setsPerRecipient ?? 0, 'preferences');
    return new PreferenceSetTooLarge(
      tooLarge.map((refusal) => ({
        field: `preferences.${refusal.setId}`,
        message: `preferences.${refusal.setId} would be larger than ${PREFERENCE_SET_LIMITS.bytes} bytes once merged into the stored set; remove some of it (set keys to null) first`,
        type: PREFERENCE_SET_TOO_LARGE,
      })),
    );
  }
  return null;
}

/** Any thrown value as the ApiError to answer with (unexpected ones logged, as a 500). */
export function toApiError(rawError: unknown, logger: Logger, requestId: unknown, path: string): ApiError {
  if (rawError instanceof ApiError) return rawError;
  const storedLimit = fromStoredLimit(rawError);
  if (storedLimit) return storedLimit;
  if (typeof rawError === 'object' && rawError !== null && fromBodyParser(rawError)) return fromBodyParser(rawError) as ApiError;
  if (isTransientError(rawError)) {
    // PostgreSQL or Redis away, restarting, or a serialization failure: the request may be retried.
    logger.warn({ err: rawError, requestId }, 'dependency unavailable');
    return new ServiceUnavailable();
  }
  if (typeof rawError === 'object' && rawError !== null && typeof (rawError as { status?: number }).status === 'number'
    && (rawError as { status: number }).status >= 400 && (rawError as { status: number }).status < 500) {
    return new BadRequest((rawError as Error).message || 'Bad request');
  }
  logger.error({ err: rawError, requestId, path }, 'unhandled error');
  return new ApiError(500, 'internal_error', 'Something went wrong on our side', 'api_error');
}

export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (rawError, req, res, _next) => {
    const error = toApiError(rawError, logger, res.locals.requestId, req.path);
    if (res.headersSent) return;
    res.status(error.status).set(error.headers).json(error.body());
  };
}
