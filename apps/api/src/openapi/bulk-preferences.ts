import { LIMITS } from '@prefs/core';
import { json, parameterRef, ref, response, v1BodyErrors, type Paths, type Schema } from './components';

/** Bulk set preferences: the body (`BulkSetPreferencesRequest`) is derived from the contract in @prefs/core. */

export const bulkPreferencesSchemas: Record<string, Schema> = {};

export const bulkPreferencesPaths: Paths = {
  '/v1/users/bulk/preferences': {
    post: {
      operationId: 'bulkSetUserPreferences',
      tags: ['Users'],
      summary: 'Bulk set preferences',
      description: `Records a bulk operation that sets one preference set for 1 to ${LIMITS.bulkUsers.toLocaleString('en')} user ids (a repeated id counts once), and answers with it (\`queued\`) before the writes happen; poll \`progress_path\` until \`completed\` or \`failed\`. Rate tier 1.`,
      parameters: [parameterRef('IdempotencyKey')],
      requestBody: { required: true, content: json(ref('BulkSetPreferencesRequest')) },
      responses: { '200': response('The bulk operation.', ref('BulkOperation')), ...v1BodyErrors() },
    },
  },
};
