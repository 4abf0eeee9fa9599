import { isUtf8 } from 'node:buffer';
import express, { type RequestHandler } from 'express';

/** The types a JSON body may be sent as. */
const JSON_TYPES = ['application/json', 'application/*+json'];

/** Thrown from body-parser's verify hook; its status and type reach the error handler as they are. */
function bodyError(status: number, type: string, message: string): Error {
  return Object.assign(new Error(message), { status, type });
}

/**
 * `express.json`, strict about encoding: JSON between systems is UTF-8 (RFC 8259), so another charset is
 * refused (415), and so are bytes that are not valid UTF-8 (400). Decoding those would put U+FFFD in place
 * of the bad bytes and silently record other user ids and keys than the client sent.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  return express.json({
    limit: limitBytes,
    strict: true,
    type: JSON_TYPES,
    verify: (_req, _res, body, encoding) => {
      if (!['utf-8', 'utf8'].includes(encoding.toLowerCase())) {
        throw bodyError(415, 'charset.unsupported', 'The request body must be UTF-8 JSON');
      }
      if (!isUtf8(body)) throw bodyError(400, 'body.invalid_utf8', 'The request body is not valid UTF-8');
    },
  });
}
