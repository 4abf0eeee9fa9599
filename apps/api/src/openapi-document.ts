import { audiencesPaths, audiencesSchemas } from './openapi/audiences';
import { browserAccessResponses, browserAccessSecuritySchemes, withBrowserAccess } from './openapi/browser-access';
import { bulkOperationsPaths, bulkOperationsSchemas } from './openapi/bulk-operations';
import { bulkPreferencesPaths, bulkPreferencesSchemas } from './openapi/bulk-preferences';
import { channelDataPaths, channelDataSchemas } from './openapi/channel-data';
import { granularPreferencesPaths, granularPreferencesSchemas } from './openapi/granular-preferences';
import { parameters, responses, securitySchemes, sharedSchemas, type Paths, type Schema } from './openapi/components';
import { operatorEndpointsPaths, operatorEndpointsSchemas } from './openapi/operator-endpoints';
import { preferencesPaths, preferencesSchemas } from './openapi/preferences';
import { environmentPaths, environmentSchemas } from './openapi/environment';
import { evaluationPaths, evaluationSchemas } from './openapi/evaluation';
import { subscriptionsPaths, subscriptionsSchemas } from './openapi/subscriptions';
import { tenantsPaths, tenantsSchemas } from './openapi/tenants';
import { usersPaths, usersSchemas } from './openapi/users';
import { objectsPaths, objectsSchemas } from './openapi/objects';
import { bulkIdentitiesPaths, bulkIdentitiesSchemas } from './openapi/bulk-identities';
import { preferenceCenterPaths, preferenceCenterSchemas } from './openapi/preference-center';
import { webhookEvents, webhooksPaths, webhooksSchemas } from './openapi/webhooks';

/**
 * The OpenAPI 3.1 description of every endpoint this API serves, served at `GET /openapi.json`. Each
 * resource describes itself in `openapi/<resource>.ts` (its paths and schemas); this file only composes
 * them: adding a resource is one line in `paths` and one in `schemas`. Names such as BulkOperation,
 * PreferenceSet, PageInfo and Condition match Knock's specification. Request schemas are derived from the
 * contract in @prefs/core (a contract test runs the fuzz corpus through them and the validators); response
 * schemas forbid undocumented properties, and a test validates real responses against them.
 */

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  servers: { url: string; description: string }[];
  paths: Paths;
  /** What the service sends (OpenAPI 3.1): the webhook events. */
  webhooks: Paths;
  components: { schemas: Record<string, Schema>; responses: Record<string, Schema>; parameters: Record<string, Schema>; securitySchemes: Record<string, Schema> };
  security: Record<string, string[]>[];
  tags: { name: string; description: string }[];
}

export const OPENAPI_DOCUMENT: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'prefs: Knock-compatible preferences API',
    version: '1.0.0',
    description:
      "A self-hostable implementation of Knock's notification-preferences API, centred on bulk set preferences. Authenticate with `Authorization: Bearer <secret key>`. Every response carries `X-Request-ID`.",
    license: { name: 'MIT', identifier: 'MIT' },
  },
  servers: [
    { url: '/', description: 'The server this document is served from (every install serves its own at /openapi.json).' },
    { url: 'http://127.0.0.1:3000', description: 'A local install started with `npm start`.' },
  ],
  tags: [
    { name: 'Users', description: "Users' preference sets." },
    { name: 'Bulk operations', description: 'Asynchronous changes across many users, and their progress.' },
    { name: 'Operations', description: 'For the people who run the service: health, metrics, dashboard.' },
    { name: 'Tenants', description: 'Tenants: properties, branding and a default preference set.' },
    { name: 'Objects', description: 'Recipients other than users (a project, a Slack channel), named by a collection and an id.' },
    { name: 'Environment', description: "The environment's default preference set." },
    { name: 'Audiences', description: 'Named groups of users, for `is_audience_member` conditions.' },
    { name: 'Subscriptions', description: 'Recipients (users and objects) subscribed to objects, with the relationship\'s properties.' },
    { name: 'Preference center', description: "End users' page, signed links and one-click unsubscribe (RFC 8058)." },
    { name: 'Webhooks', description: 'Endpoints that are sent the environment\'s events (Standard Webhooks), and their deliveries.' },
  ],
  security: [{ bearerAuth: [] }],
  paths: withBrowserAccess({
    ...bulkPreferencesPaths,
    ...bulkOperationsPaths,
    ...preferencesPaths,
    ...granularPreferencesPaths,
    ...operatorEndpointsPaths,
    ...environmentPaths,
    ...tenantsPaths,
    ...usersPaths,
    ...objectsPaths,
    ...channelDataPaths,
    ...audiencesPaths,
    ...subscriptionsPaths,
    ...bulkIdentitiesPaths,
    ...evaluationPaths,
    ...preferenceCenterPaths,
    ...webhooksPaths,
  }),
  webhooks: webhookEvents,
  components: {
    securitySchemes: { ...securitySchemes, ...browserAccessSecuritySchemes },
    schemas: {
      ...sharedSchemas,
      ...bulkPreferencesSchemas,
      ...bulkOperationsSchemas,
      ...preferencesSchemas,
      ...granularPreferencesSchemas,
      ...operatorEndpointsSchemas,
      ...environmentSchemas,
      ...tenantsSchemas,
      ...usersSchemas,
      ...objectsSchemas,
      ...channelDataSchemas,
      ...audiencesSchemas,
      ...subscriptionsSchemas,
      ...bulkIdentitiesSchemas,
      ...evaluationSchemas,
      ...preferenceCenterSchemas,
      ...webhooksSchemas,
    },
    parameters,
    responses: { ...responses, ...browserAccessResponses },
  },
};
