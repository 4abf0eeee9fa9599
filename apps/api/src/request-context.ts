import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '@prefs/logger';
import { localsOf } from './response-locals';
import type { RouteTemplateOf } from './route-templates';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (the caller's `X-Request-ID` when it is sane, a new UUID otherwise), sends
 * it back, and logs one line per request when the response is done, with its route template: the
 * documented one (`templateOf`), so that a request refused before routing (401, 415) is labelled with
 * the route it asked for; else the Express route that answered; else `unmatched`.
 */
export function createRequestContext(
  logger: Logger,
  observe?: (route: string, method: string, status: number, seconds: number) => void,
  templateOf?: RouteTemplateOf,
): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    localsOf(res).requestId = requestId;
    res.set('X-Request-ID', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Express restores req.baseUrl as routing unwinds, so the mount point is read from the URL.
      const routePath: string | undefined = req.route?.path;
      // A mounted sub-application (the dashboard) may name its requests itself, as `res.locals.routeLabel`.
      const route =
        localsOf(res).routeLabel ??
        templateOf?.(req.method, req.originalUrl.split('?')[0]) ??
        (routePath ? `${req.originalUrl.startsWith('/v1/') ? '/v1' : ''}${routePath}` : 'unmatched');
      observe?.(route, req.method, res.statusCode, seconds);
      logger.info(
        {
          requestId,
          method: req.method,
          path: req.path,
          route,
          status: res.statusCode,
          durationMs: Math.round(seconds * 1000 * 10) / 10,
          environmentId: localsOf(res).environment?.environmentId,
          operationId: localsOf(res).operationId,
        },
        'request',
      );
    });
    next();
  };
}
