import cors, { type CorsOptions } from 'cors';
import type { RequestHandler } from 'express';
import { publicMethodsFor } from './public-routes';

/** The headers Knock's browser SDK sends, and `Idempotency-Key`. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-Knock-User-Token', 'X-Knock-Client', 'X-Knock-Branch', 'Idempotency-Key'];
const EXPOSED_HEADERS = ['X-Request-ID', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining'];

/** Any origin may call, without cookies (none are used anywhere): a public key and a user token are the credentials. */
const BASE_OPTIONS: CorsOptions = {
  origin: '*',
  credentials: false,
  allowedHeaders: ALLOWED_HEADERS,
  exposedHeaders: EXPOSED_HEADERS,
  maxAge: 600,
};

/**
 * CORS on the routes a public key may use (mounted under `/v1`, before authentication, so preflights are
 * answered): each path allows the methods it serves to public keys. Other paths get no CORS headers, so
 * a browser cannot read them from another origin.
 */
export function publicRouteCors(): RequestHandler {
  const byMethods = new Map<string, RequestHandler>();
  return (req, res, next) => {
    const methods = publicMethodsFor(req.path);
    if (methods.length === 0) return next();
    const allowed = methods.includes('GET') ? [...methods, 'HEAD'] : methods;
    const id = allowed.join(',');
    let handler = byMethods.get(id);
    if (!handler) {
      handler = cors({ ...BASE_OPTIONS, methods: allowed });
      byMethods.set(id, handler);
    }
    handler(req, res, next);
  };
}

/** `GET /openapi.json` is readable from any origin (API explorers, docs sites). */
export function openapiCors(): RequestHandler {
  return cors({ origin: '*', credentials: false, methods: ['GET', 'HEAD'] });
}
