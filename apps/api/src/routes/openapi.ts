import { Router } from 'express';
import { OPENAPI_DOCUMENT } from '../openapi-document';

/** `GET /openapi.json`: the OpenAPI 3.1 description of this API (no key needed). */
export function openapiRouter(): Router {
  const router = Router();
  const body = JSON.stringify(OPENAPI_DOCUMENT);
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(body);
  });
  return router;
}
