import { json, ref, response, v1BodyErrors, v1Errors, type Paths, type Schema } from './components';

/** OpenAPI: the environment's default preference set (beyond Knock's API). */


export const environmentSchemas: Record<string, Schema> = {};

export const environmentPaths: Paths = {
  '/v1/environment/preferences': {
    get: {
      operationId: 'getEnvironmentPreferences',
      tags: ['Environment'],
      summary: "Get the environment's default preference set (beyond Knock)",
      description:
        "The lowest layer of every user's effective preferences: a PreferenceSet with id `default`, every field null until set. Rate tier 4.",
      responses: { '200': response('The default set.', ref('PreferenceSet')), ...v1Errors() },
    },
    put: {
      operationId: 'setEnvironmentPreferences',
      tags: ['Environment'],
      summary: "Set the environment's default preference set (beyond Knock)",
      description:
        'Replaces the default set, or deep-merges into it with `__persistence_strategy__: "merge"`, as a user\'s PUT does; returns the stored set. Rate tier 3.',
      requestBody: { required: true, content: json(ref('PreferenceSetRequest')) },
      responses: { '200': response('The stored default set.', ref('PreferenceSet')), ...v1BodyErrors() },
    },
  },
};
