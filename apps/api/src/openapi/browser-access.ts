import { matchPublicRoute } from '../auth/public-routes';

type Schema = Record<string, unknown>;

/** The user token a public key must come with (see `docs/browser-access.md`); bearer keys may be public. */
export const browserAccessSecuritySchemes: Record<string, Schema> = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description: 'A secret key (`sk_...`) of one environment, or a public key (`pk_...`) with a user token (`userToken`).',
  },
  userToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Knock-User-Token',
    description:
      'With a public key (`pk_...`) in `Authorization: Bearer`: an RS256 JWT signed by one of the environment\'s signing keys, with `sub` (the user), `iat`, `exp` (at most 30 days ahead) and optional `grants`. It reaches only that user\'s preferences and profile.',
  },
};

export const browserAccessResponses: Record<string, Schema> = {
  Forbidden: {
    description: "A public key outside its user token's rights: another user, a missing grant, or a route that needs a secret key.",
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
};

/** `/v1/users/{user_id}/preferences` -> `/users/user_id/preferences`, as the permission table reads paths. */
function samplePath(template: string): string | null {
  if (!template.startsWith('/v1/')) return null;
  return template.slice(3).replace(/\{([^}]+)\}/g, '$1');
}

/**
 * Marks the operations a public key may call (from the permission table itself): either a secret key, or
 * a public key with a user token; and their 403.
 */
export function withBrowserAccess(paths: Record<string, Record<string, Schema>>): Record<string, Record<string, Schema>> {
  const marked: Record<string, Record<string, Schema>> = {};
  for (const [template, item] of Object.entries(paths)) {
    const path = samplePath(template);
    marked[template] = Object.fromEntries(
      Object.entries(item).map(([method, operation]) => {
        if (!path || !matchPublicRoute(method.toUpperCase(), path)) return [method, operation];
        const responses = (operation.responses ?? {}) as Schema;
        return [
          method,
          {
            ...operation,
            security: [{ bearerAuth: [] }, { bearerAuth: [], userToken: [] }],
            responses: { ...responses, '403': { $ref: '#/components/responses/Forbidden' } },
          },
        ];
      }),
    );
  }
  return marked;
}
