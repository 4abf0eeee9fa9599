import { OPENAPI_DOCUMENT } from '../src/openapi-document';
import { ROUTE_TIERS } from '../src/route-tiers';

/** The tier table the limiter reads and the tiers the OpenAPI document tells clients are one and the same. */
it('gives every documented /v1 operation the tier its description states, and nothing else a tier', () => {
  const documented: Record<string, number> = {};
  for (const [path, operations] of Object.entries(OPENAPI_DOCUMENT.paths as Record<string, Record<string, { description?: string }>>)) {
    if (!path.startsWith('/v1/')) continue;
    for (const [method, operation] of Object.entries(operations)) {
      const stated = /Rate tier (\d)\./.exec(operation.description ?? '');
      documented[`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`] = Number(stated?.[1]);
    }
  }
  expect(ROUTE_TIERS).toEqual(documented);
});
