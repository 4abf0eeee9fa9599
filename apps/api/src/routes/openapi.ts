import { Router } from 'express';
import { openapiCors } from '../auth';
import { OPENAPI_DOCUMENT } from '../openapi-document';

/** `GET /openapi.json`: the OpenAPI 3.1 description of this API (no key needed). */
export function openapiRouter(): Router {
  const router = Router();
  const body = JSON.stringify(OPENAPI_DOCUMENT);
  router.options('/openapi.json', openapiCors());
  router.get('/openapi.json', openapiCors(), (_req, res) => {
    res.type('application/json').send(body);
  });
  return router;
}
