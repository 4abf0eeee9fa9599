/** OpenAPI: the environment's default preference set (beyond Knock's API). */

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
const COMMON_ERRORS = { '401': errorRef('Unauthorized'), '429': errorRef('RateLimited'), '503': errorRef('ServiceUnavailable') };

export const environmentSchemas: Record<string, Schema> = {};

export const environmentPaths = {
  '/v1/environment/preferences': {
    get: {
      operationId: 'getEnvironmentPreferences',
      tags: ['Environment'],
      summary: "Get the environment's default preference set (beyond Knock)",
      description:
        "The lowest layer of every user's effective preferences: a PreferenceSet with id `default`, every field null until set. Rate tier 4.",
      responses: { '200': { description: 'The default set.', content: json(ref('PreferenceSet')) }, ...COMMON_ERRORS },
    },
    put: {
      operationId: 'setEnvironmentPreferences',
      tags: ['Environment'],
      summary: "Set the environment's default preference set (beyond Knock)",
      description:
        'Replaces the default set, or deep-merges into it with `__persistence_strategy__: "merge"`, as a user\'s PUT does; returns the stored set. Rate tier 3.',
      requestBody: { required: true, content: json(ref('PreferenceSetRequest')) },
      responses: {
        '200': { description: 'The stored default set.', content: json(ref('PreferenceSet')) },
        '400': errorRef('BadRequest'),
        '413': errorRef('PayloadTooLarge'),
        '415': errorRef('UnsupportedMediaType'),
        '422': errorRef('InvalidParams'),
        ...COMMON_ERRORS,
      },
    },
  },
};
