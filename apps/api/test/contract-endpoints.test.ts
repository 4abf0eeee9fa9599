import type { ValidateFunction } from 'ajv/dist/2020';
import {
  BRANDING_COLOR_FIELDS,
  BRANDING_URL_FIELDS,
  CHANNEL_DATA_MAX_BYTES,
  CHANNEL_TYPES,
  LIMITS,
  MAX_LAYOUT_ROWS,
  MAX_PROPERTIES,
  MAX_PROPERTY_DEPTH,
  MAX_PROPERTIES_BYTES,
  MAX_SUBSCRIPTION_RECIPIENTS,
  MAX_WORKFLOW_CATEGORIES,
  OBJECT_STRING_PROPERTIES,
  PREFERENCE_SET_LIMITS,
  USER_STRING_PROPERTIES,
  validateBulkDeleteObjects,
  validateBulkDeleteTenants,
  validateBulkDeleteUsers,
  validateBulkIdentifyUsers,
  validateBulkSetObjects,
  validateAudienceMembersRequest,
  validateChannelDataRequest,
  validateGranularPreferences,
  validateBulkSetTenants,
  validateEvaluateRequest,
  validateLinkRequest,
  validateMergeUserRequest,
  validateAddSubscriptionsRequest,
  validateBulkAddSubscriptions,
  validateBulkDeleteSubscriptions,
  validateDeleteSubscriptionsRequest,
  validateObjectInput,
  validatePreferenceCenterLayout,
  validatePutPreferences,
  validateTenantInput,
  validateUserInput,
  validateWebhookEndpointInput,
  validateWebhookEndpointPatch,
  WEBHOOK_EVENT_TYPES,
  type Validated,
} from '@prefs/core';
import { seededRandom } from '@prefs/testing';
import { OPENAPI_DOCUMENT } from '../src/openapi-document';
import { ajv, requestSchema } from './document-schemas';

/**
 * The contract for every request body of the document beyond the two of `contract.test.ts`: for each,
 * hand-written bodies on both sides of every limit and enum, and malformed ones, must get the same
 * answer (accept or refuse) from the validator of @prefs/core and from the document's request schema.
 */

interface Endpoint {
  document: ValidateFunction;
  validator: (body: unknown) => Validated<unknown>;
}

const TENANT_ID = 't-1';
/** The object the subscription bodies are sent to. */
const SUBSCRIBED = { collection: 'projects', id: 'p-1' };
const USER_ID = 'u-1';
const ENDPOINTS = {
  tenant: { document: requestSchema('/v1/tenants/{id}', 'put'), validator: (body: unknown) => validateTenantInput(body, TENANT_ID) },
  user: { document: requestSchema('/v1/users/{id}', 'put'), validator: (body: unknown) => validateUserInput(body, USER_ID) },
  object: { document: requestSchema('/v1/objects/{collection}/{id}', 'put'), validator: (body: unknown) => validateObjectInput(body, USER_ID) },
  objectChannelData: { document: requestSchema('/v1/objects/{collection}/{object_id}/channel_data/{channel_id}', 'put'), validator: validateChannelDataRequest },
  bulkTenants: { document: requestSchema('/v1/tenants/bulk/set', 'post'), validator: validateBulkSetTenants },
  bulkUsers: { document: requestSchema('/v1/users/bulk/identify', 'post'), validator: validateBulkIdentifyUsers },
  bulkObjects: { document: requestSchema('/v1/objects/{collection}/bulk/set', 'post'), validator: validateBulkSetObjects },
  bulkDeleteObjects: { document: requestSchema('/v1/objects/{collection}/bulk/delete', 'post'), validator: validateBulkDeleteObjects },
  environmentSet: { document: requestSchema('/v1/environment/preferences', 'put'), validator: validatePutPreferences },
  evaluate: { document: requestSchema('/v1/preferences/evaluate', 'post'), validator: validateEvaluateRequest },
  preferenceCenter: { document: requestSchema('/v1/preference_center', 'put'), validator: validatePreferenceCenterLayout },
  links: { document: requestSchema('/v1/users/{user_id}/links', 'post'), validator: validateLinkRequest },
  bulkDeleteUsers: { document: requestSchema('/v1/users/bulk/delete', 'post'), validator: validateBulkDeleteUsers },
  // The ids in the body (the extension); the query's are validated alike (core's tests).
  bulkDeleteTenants: { document: requestSchema('/v1/tenants/bulk/delete', 'post'), validator: (body: unknown) => validateBulkDeleteTenants([], body) },
  mergeUser: { document: requestSchema('/v1/users/{id}/merge', 'post'), validator: (body: unknown) => validateMergeUserRequest(body, USER_ID) },
  audienceMembers: { document: requestSchema('/v1/audiences/{key}/members', 'post'), validator: validateAudienceMembersRequest },
  audienceRemovals: { document: requestSchema('/v1/audiences/{key}/members', 'delete'), validator: validateAudienceMembersRequest },
  channelData: { document: requestSchema('/v1/users/{user_id}/channel_data/{channel_id}', 'put'), validator: validateChannelDataRequest },
  addSubscriptions: { document: requestSchema('/v1/objects/{collection}/{object_id}/subscriptions', 'post'), validator: (body: unknown) => validateAddSubscriptionsRequest(body, SUBSCRIBED) },
  deleteSubscriptions: { document: requestSchema('/v1/objects/{collection}/{object_id}/subscriptions', 'delete'), validator: validateDeleteSubscriptionsRequest },
  bulkAddSubscriptions: { document: requestSchema('/v1/objects/{collection}/bulk/subscriptions/add', 'post'), validator: (body: unknown) => validateBulkAddSubscriptions(body, SUBSCRIBED.collection) },
  bulkDeleteSubscriptions: { document: requestSchema('/v1/objects/{collection}/bulk/subscriptions/delete', 'post'), validator: validateBulkDeleteSubscriptions },
  channelTypes: { document: requestSchema('/v1/users/{user_id}/preferences/{id}/channel_types', 'put'), validator: (body: unknown) => validateGranularPreferences('channel_types', undefined, body) },
  channelType: { document: requestSchema('/v1/users/{user_id}/preferences/{id}/channel_types/{type}', 'put'), validator: (body: unknown) => validateGranularPreferences('channel_types', 'email', body) },
  workflows: { document: requestSchema('/v1/users/{user_id}/preferences/{id}/workflows', 'put'), validator: (body: unknown) => validateGranularPreferences('workflows', undefined, body) },
  workflow: { document: requestSchema('/v1/users/{user_id}/preferences/{id}/workflows/{key}', 'put'), validator: (body: unknown) => validateGranularPreferences('workflows', 'welcome', body) },
  categories: { document: requestSchema('/v1/users/{user_id}/preferences/{id}/categories', 'put'), validator: (body: unknown) => validateGranularPreferences('categories', undefined, body) },
  category: { document: requestSchema('/v1/users/{user_id}/preferences/{id}/categories/{key}', 'put'), validator: (body: unknown) => validateGranularPreferences('categories', 'marketing', body) },
  // An object's set and its granular PUTs take what a user's take (one validator, one schema each).
  objectSet: { document: requestSchema('/v1/objects/{collection}/{object_id}/preferences/{id}', 'put'), validator: validatePutPreferences },
  objectChannelTypes: { document: requestSchema('/v1/objects/{collection}/{object_id}/preferences/{id}/channel_types', 'put'), validator: (body: unknown) => validateGranularPreferences('channel_types', undefined, body) },
  objectChannelType: { document: requestSchema('/v1/objects/{collection}/{object_id}/preferences/{id}/channel_types/{type}', 'put'), validator: (body: unknown) => validateGranularPreferences('channel_types', 'email', body) },
  objectWorkflows: { document: requestSchema('/v1/objects/{collection}/{object_id}/preferences/{id}/workflows', 'put'), validator: (body: unknown) => validateGranularPreferences('workflows', undefined, body) },
  objectWorkflow: { document: requestSchema('/v1/objects/{collection}/{object_id}/preferences/{id}/workflows/{key}', 'put'), validator: (body: unknown) => validateGranularPreferences('workflows', 'welcome', body) },
  objectCategories: { document: requestSchema('/v1/objects/{collection}/{object_id}/preferences/{id}/categories', 'put'), validator: (body: unknown) => validateGranularPreferences('categories', undefined, body) },
  objectCategory: { document: requestSchema('/v1/objects/{collection}/{object_id}/preferences/{id}/categories/{key}', 'put'), validator: (body: unknown) => validateGranularPreferences('categories', 'marketing', body) },
  webhook: { document: requestSchema('/v1/webhooks', 'post'), validator: validateWebhookEndpointInput },
  webhookPatch: { document: requestSchema('/v1/webhooks/{id}', 'patch'), validator: validateWebhookEndpointPatch },
} satisfies Record<string, Endpoint>;
type EndpointName = keyof typeof ENDPOINTS;

const UUID = '7c0c5d3e-2b7a-4f3e-9a61-0f7d3c1b2a90';
const x = (length: number) => 'x'.repeat(length);
const emoji = (count: number) => '🙂'.repeat(count);
const list = <T>(count: number, make: (index: number) => T): T[] => Array.from({ length: count }, (_, index) => make(index));
const properties = (count: number) => Object.fromEntries(list(count, (index) => [`p${index}`, index]));
const nested = (depth: number): unknown => (depth === 0 ? 1 : { a: nested(depth - 1) });
const condition = { variable: 'recipient.plan', operator: 'equal_to', argument: 'pro' };
const tenantSet = (preferenceSet: unknown) => ({ settings: { preference_set: preferenceSet } });
const branding = (fields: Record<string, unknown>) => ({ settings: { branding: fields } });

type Case = [what: string, body: unknown, accepted: boolean];

/** Custom properties: the same rules on tenants and users. */
const propertyCases = (known: Record<string, unknown>): Case[] => [
  ['no custom property', { ...known }, true],
  [`${MAX_PROPERTIES} custom properties`, { ...known, ...properties(MAX_PROPERTIES) }, true],
  [`${MAX_PROPERTIES + 1} custom properties`, { ...known, ...properties(MAX_PROPERTIES + 1) }, false],
  ['a property key of 255 characters', { ...known, [x(255)]: 1 }, true],
  ['a property key of 256 characters', { ...known, [x(256)]: 1 }, false],
  ['a property key of 255 emoji', { ...known, [emoji(255)]: 1 }, true],
  ['a property key of 256 emoji', { ...known, [emoji(256)]: 1 }, false],
  ['a property key starting with __', { ...known, __secret: 1 }, false],
  ['a property key with one _', { ...known, _private: 1 }, true],
  ['a property key constructor', { ...known, constructor: 1 }, false],
  ['a property key __proto__', { ...known, ...JSON.parse('{"__proto__":1}') }, false],
  ['a property key with a newline', { ...known, 'a\nb': 1 }, false],
  ['a property key with DEL', { ...known, 'a\u007f': 1 }, false],
  ['a property that is null (removes it)', { ...known, plan: null }, true],
  ['a property that is an object', { ...known, plan: { tier: 'pro', seats: [1, 2] } }, true],
  ['a property value with a NUL', { ...known, plan: 'a\u0000b' }, false],
  ['a property value with a newline', { ...known, plan: 'a\nb' }, true],
  ['updated_at (read-only)', { ...known, updated_at: '2024-01-01T00:00:00Z' }, false],
  ['a nested property value with a NUL', { ...known, plan: { tier: ['a\u0000'] } }, false],
  ['a nested key __proto__', { ...known, plan: JSON.parse('{"__proto__":1}') }, false],
  ['a nested key with a newline (free text)', { ...known, plan: { 'a\nb': 1 } }, true],
  [`a property nested ${MAX_PROPERTY_DEPTH} deep`, { ...known, deep: nested(MAX_PROPERTY_DEPTH) }, true],
];

/** Inline `preferences` and `channel_data` (recipients.md, inline identification): users take any set, tenants `default`. */
const inlineCases = (sets: 'any' | 'default'): Case[] => [
  ['inline preferences for the default set', { preferences: { default: { categories: { a: true }, channel_types: { email: false } } } }, true],
  ['inline preferences null (nothing written)', { preferences: null }, true],
  ['inline preferences empty', { preferences: {} }, true],
  ['inline preferences for another set', { preferences: { default: {}, acme: { workflows: { w: false } } } }, sets === 'any'],
  ['an inline set with replace (merged all the same)', { preferences: { default: { __persistence_strategy__: 'replace', workflows: { w: true } } } }, true],
  ['an inline set with an explicit null (removes the key)', { preferences: { default: { categories: { a: null } } } }, true],
  ['an inline set with an unknown field', { preferences: { default: { colour: 'red' } } }, false],
  ['an inline set that is an array', { preferences: { default: [] } }, false],
  ['an inline set with channel type fax', { preferences: { default: { channel_types: { fax: true } } } }, false],
  ['inline preferences an array', { preferences: [] }, false],
  ['an inline set id of 256 characters', { preferences: { [x(256)]: {} } }, false],
  ['an inline set id constructor', { preferences: { constructor: {} } }, false],
  [`inline preferences for ${PREFERENCE_SET_LIMITS.perRecipient + 1} sets`, { preferences: Object.fromEntries(list(PREFERENCE_SET_LIMITS.perRecipient + 1, (index) => [`s${index}`, {}])) }, false],
  ['inline channel data of push tokens', { channel_data: { [UUID]: { tokens: ['push_token_1'] } } }, true],
  ['inline channel data of chat connections', { channel_data: { [UUID]: { connections: [{ incoming_webhook: { url: 'https://hooks.example/1' } }] } } }, true],
  ['inline channel data null (nothing written)', { channel_data: null }, true],
  ['inline channel data for a channel id that is no UUID', { channel_data: { 'push-channel': { tokens: [] } } }, false],
  ['inline channel data of no known shape', { channel_data: { [UUID]: { emails: ['a@example.com'] } } }, false],
  ['inline channel data with tokens that are numbers', { channel_data: { [UUID]: { tokens: [1] } } }, false],
  ['inline channel data that is an array', { channel_data: [] }, false],
];

/** Bodies the document describes in words only: the validator refuses them, the schema cannot say so. */
const wordsOnlyCases = (known: Record<string, unknown>): Case[] => [
  [`a property nested ${MAX_PROPERTY_DEPTH + 1} deep`, { ...known, deep: nested(MAX_PROPERTY_DEPTH + 1) }, false],
  [`properties of more than ${MAX_PROPERTIES_BYTES} bytes`, { ...known, big: x(MAX_PROPERTIES_BYTES) }, false],
];

const tenantCases: Case[] = [
  ['an empty body', {}, true],
  ['the id of the path', { id: TENANT_ID }, true],
  ['an empty id', { id: '' }, false],
  ['an id that is a number', { id: 7 }, false],
  ['an id with a newline', { id: 't\n1' }, false],
  ['a name of 255 characters', { name: x(255) }, true],
  ['a name of 256 characters', { name: x(256) }, false],
  ['a name of 255 emoji', { name: emoji(255) }, true],
  ['a name of 256 emoji', { name: emoji(256) }, false],
  ['a name null', { name: null }, true],
  ['a name with a NUL', { name: 'a\u0000' }, false],
  ['a name that is a number', { name: 1 }, false],
  ['settings null', { settings: null }, false],
  ['settings an array', { settings: [] }, false],
  ['an unknown key in settings', { settings: { theme: 'dark' } }, false],
  ['branding null', { settings: { branding: null } }, true],
  ['branding an array', branding([] as unknown as Record<string, unknown>), false],
  ['an unknown branding field', branding({ favicon_url: 'https://a.example' }), false],
  ...BRANDING_URL_FIELDS.flatMap((field): Case[] => [
    [`${field} https`, branding({ [field]: 'https://cdn.example.com/logo.png' }), true],
    [`${field} http`, branding({ [field]: 'http://cdn.example.com/logo.png' }), true],
    [`${field} null`, branding({ [field]: null }), true],
    [`${field} ftp`, branding({ [field]: 'ftp://cdn.example.com/logo.png' }), false],
    [`${field} javascript:`, branding({ [field]: 'javascript:alert(1)' }), false],
    [`${field} not a URL`, branding({ [field]: 'logo.png' }), false],
    [`${field} a number`, branding({ [field]: 1 }), false],
  ]),
  ['a URL with a space in its path', branding({ logo_url: 'https://a.example/a b.png' }), true],
  ['a URL with an accented host', branding({ logo_url: 'https://exämple.com/' }), true],
  ['a URL in upper case', branding({ logo_url: 'HTTPS://A.EXAMPLE/' }), true],
  ['a URL with a tab', branding({ logo_url: 'https://a.example/\t' }), false],
  ['a URL of 2048 emoji', branding({ logo_url: `https://a.example/${emoji(2048 - 18)}` }), true],
  ['a URL of 2049 emoji', branding({ logo_url: `https://a.example/${emoji(2049 - 18)}` }), false],
  ['a URL of 2048 characters', branding({ logo_url: `https://a.example/${x(2048 - 18)}` }), true],
  ['a URL of 2049 characters', branding({ logo_url: `https://a.example/${x(2049 - 18)}` }), false],
  ...BRANDING_COLOR_FIELDS.flatMap((field): Case[] => [
    [`${field} #a1B2c3`, branding({ [field]: '#a1B2c3' }), true],
    [`${field} null`, branding({ [field]: null }), true],
    [`${field} #abc`, branding({ [field]: '#abc' }), false],
    [`${field} a1b2c3`, branding({ [field]: 'a1b2c3' }), false],
    [`${field} #a1b2c3 and a newline`, branding({ [field]: '#a1b2c3\n' }), false],
    [`${field} #gggggg`, branding({ [field]: '#gggggg' }), false],
  ]),
  ['preference_set null (removes it)', tenantSet(null), true],
  ['an empty preference_set', tenantSet({}), true],
  ['preference_set replace', tenantSet({ __persistence_strategy__: 'replace' }), true],
  ['preference_set merge', tenantSet({ __persistence_strategy__: 'merge' }), true],
  ['preference_set strategy null', tenantSet({ __persistence_strategy__: null }), true],
  ['preference_set strategy Replace', tenantSet({ __persistence_strategy__: 'Replace' }), false],
  ['preference_set an array', tenantSet([]), false],
  ['a category marked replace', tenantSet({ categories: { marketing: { __strategy__: 'replace', channel_types: { email: false } } } }), true],
  ['a category marker null', tenantSet({ categories: { marketing: { __strategy__: null } } }), true],
  ['a category marker merge', tenantSet({ categories: { marketing: { __strategy__: 'merge' } } }), false],
  ['a workflow marked replace', tenantSet({ workflows: { digest: { __strategy__: 'replace' } } }), true],
  ['channel_types marked replace', tenantSet({ channel_types: { __strategy__: 'replace', email: true } }), true],
  ['channel_types marker "yes"', tenantSet({ channel_types: { __strategy__: 'yes' } }), false],
  ['channels marked replace', tenantSet({ channels: { __strategy__: 'replace', [UUID]: false } }), true],
  ['a channel id that is no UUID', tenantSet({ channels: { 'not-a-uuid': true } }), false],
  ['a marker on commercial_subscribed', tenantSet({ commercial_subscribed: { __strategy__: 'replace', conditions: [] } }), false],
  ['a marker inside a category\'s channel_types', tenantSet({ categories: { c: { channel_types: { __strategy__: 'replace' } } } }), false],
  ['a marker at the top of the set', tenantSet({ __strategy__: 'replace' }), false],
  ['channel type fax', tenantSet({ channel_types: { fax: true } }), false],
  [`${LIMITS.mapEntries} categories`, tenantSet({ categories: Object.fromEntries(list(LIMITS.mapEntries, (index) => [`c${index}`, true])) }), true],
  [`${LIMITS.mapEntries + 1} categories`, tenantSet({ categories: Object.fromEntries(list(LIMITS.mapEntries + 1, (index) => [`c${index}`, true])) }), false],
  ['a category key of 256 characters', tenantSet({ categories: { [x(256)]: true } }), false],
  ['a category key constructor', tenantSet({ workflows: { constructor: true } }), false],
  [`${LIMITS.conditions + 1} conditions`, tenantSet({ categories: { c: { conditions: list(LIMITS.conditions + 1, () => condition) } } }), false],
  ['a condition without argument', tenantSet({ commercial_subscribed: { conditions: [{ variable: 'a', operator: 'exists' }] } }), false],
  ['the body an array', [], false],
  ['the body a string', 'tenant', false],
  ...propertyCases({ name: 'Acme' }),
  ...propertyCases({ id: TENANT_ID, name: 'Acme', settings: {} }),
  ...inlineCases('default'),
  [`inline channel data and ${MAX_PROPERTIES} custom properties`, { channel_data: { [UUID]: { tokens: [] } }, ...properties(MAX_PROPERTIES) }, true],
];

const userCases: Case[] = [
  ['an empty body', {}, true],
  ['the id of the path', { id: USER_ID }, true],
  ['an empty id', { id: '' }, false],
  ['an id of 256 characters', { id: x(256) }, false],
  ['an id with a tab', { id: 'u\t1' }, false],
  ...Object.entries(USER_STRING_PROPERTIES).flatMap(([field, maxLength]): Case[] => [
    [`${field} null`, { [field]: null }, true],
    [`${field} a number`, { [field]: 1 }, false],
    [`${field} of ${maxLength + 1} characters`, { [field]: x(maxLength + 1) }, false],
  ]),
  ...Object.entries(USER_STRING_PROPERTIES)
    .filter(([field]) => field !== 'timezone')
    .flatMap(([field, maxLength]): Case[] => [
      [`${field} of ${maxLength} characters`, { [field]: x(maxLength) }, true],
      [`${field} of ${maxLength} emoji`, { [field]: emoji(maxLength) }, true],
      [`${field} of ${maxLength + 1} emoji`, { [field]: emoji(maxLength + 1) }, false],
      [`${field} with a NUL`, { [field]: 'a\u0000' }, false],
    ]),
  ['timezone Europe/Paris', { timezone: 'Europe/Paris' }, true],
  ['created_at with Z', { created_at: '2024-05-01T12:00:00Z' }, true],
  ['created_at with an offset', { created_at: '2024-05-01T12:00:00.123+02:00' }, true],
  ['created_at null', { created_at: null }, true],
  ['created_at a date only', { created_at: '2024-05-01' }, false],
  ['created_at a number', { created_at: 1714564800 }, false],
  ['created_at not a date', { created_at: 'yesterday' }, false],
  ['the body an array', [], false],
  ['the body a number', 1, false],
  // Known properties (name, email, ...) count as custom ones; id and created_at do not.
  ...propertyCases({}),
  ...propertyCases({ id: USER_ID, created_at: '2024-05-01T12:00:00Z' }),
  [`name and ${MAX_PROPERTIES - 1} custom properties`, { name: 'Ada', ...properties(MAX_PROPERTIES - 1) }, true],
  [`name and ${MAX_PROPERTIES} custom properties`, { name: 'Ada', ...properties(MAX_PROPERTIES) }, false],
  ...inlineCases('any'),
  [`inline preferences, channel data and ${MAX_PROPERTIES} custom properties`, { preferences: {}, channel_data: {}, ...properties(MAX_PROPERTIES) }, true],
];

/** An object's body: the user's rules, with only `name`, `locale` and `timezone` known, and `collection` read-only. */
const objectCases: Case[] = [
  ['an empty body', {}, true],
  ['the id of the path', { id: USER_ID }, true],
  ['an empty id', { id: '' }, false],
  ['an id with a tab', { id: 'u\t1' }, false],
  ...Object.entries(OBJECT_STRING_PROPERTIES).flatMap(([field, maxLength]): Case[] => [
    [`${field} null`, { [field]: null }, true],
    [`${field} a number`, { [field]: 1 }, false],
    [`${field} of ${maxLength + 1} characters`, { [field]: x(maxLength + 1) }, false],
  ]),
  ['name of 255 emoji', { name: emoji(255) }, true],
  ['timezone Europe/Paris', { timezone: 'Europe/Paris' }, true],
  ['an email of 400 characters (a custom property of an object)', { email: x(400) }, true],
  ['a price', { price: 100 }, true],
  ['collection (read-only: the path names it)', { collection: 'projects' }, false],
  ['created_at with Z', { created_at: '2024-05-01T12:00:00Z' }, true],
  ['created_at not a date', { created_at: 'yesterday' }, false],
  ['the body an array', [], false],
  ...propertyCases({}),
  ...propertyCases({ id: USER_ID, created_at: '2024-05-01T12:00:00Z' }),
  // Not yet written by objects' set: refused, never kept as properties.
  ['channel_data (not supported yet)', { channel_data: {} }, false],
  ['preferences (not supported yet)', { preferences: {} }, false],
];

const bulkCases = (field: 'tenants' | 'users' | 'objects', item: (index: number) => Record<string, unknown>): Case[] => [
  ['one item', { [field]: [item(0)] }, true],
  ['no item', { [field]: [] }, false],
  [`${LIMITS.bulkUsers} items`, { [field]: list(LIMITS.bulkUsers, item) }, true],
  [`${LIMITS.bulkUsers + 1} items`, { [field]: list(LIMITS.bulkUsers + 1, item) }, false],
  ['the same item twice', { [field]: [item(0), item(0)] }, true],
  ['an item without id', { [field]: [{ name: 'n' }] }, false],
  ['an item with an empty id', { [field]: [{ id: '' }] }, false],
  ['an item id of 256 characters', { [field]: [{ id: x(256) }] }, false],
  ['an item id with a newline', { [field]: [{ id: 'a\nb' }] }, false],
  ['an item id that is a number', { [field]: [{ id: 1 }] }, false],
  ['an item with a __ property', { [field]: [{ ...item(0), __x: 1 }] }, false],
  [`an item with ${MAX_PROPERTIES + 1} properties`, { [field]: [{ ...item(0), ...properties(MAX_PROPERTIES + 1) }] }, false],
  ['an item null', { [field]: [null] }, false],
  [`${field} not an array`, { [field]: item(0) }, false],
  [`no ${field}`, {}, false],
  ['an unknown key in the body', { [field]: [item(0)], extra: 1 }, false],
  ['the body an array', [item(0)], false],
  ['the body null', null, false],
];

const bulkTenantCases: Case[] = [
  ...bulkCases('tenants', (index) => ({ id: `t${index}`, name: `Tenant ${index}` })),
  ['a tenant as its id alone', { tenants: ['t1'] }, true],
  ['a tenant id alone, empty', { tenants: [''] }, false],
  ['a tenant id alone with a newline', { tenants: ['a\nb'] }, false],
  ['a tenant id alone of 256 characters', { tenants: [x(256)] }, false],
  ['a tenant with a bad colour', { tenants: [{ id: 't', settings: { branding: { primary_color: 'red' } } }] }, false],
  ['a tenant with a marked category', { tenants: [{ id: 't', settings: { preference_set: { categories: { c: { __strategy__: 'replace' } } } } }] }, true],
  ['a tenant with a bad marker', { tenants: [{ id: 't', settings: { preference_set: { categories: { c: { __strategy__: 'x' } } } } }] }, false],
  ['a tenant with inline preferences and channel data', { tenants: [{ id: 't', preferences: { default: { workflows: { w: true } } }, channel_data: { [UUID]: { tokens: ['a'] } } }] }, true],
  ['a tenant with inline preferences for another set', { tenants: [{ id: 't', preferences: { acme: {} } }] }, false],
];

const bulkUserCases: Case[] = [
  ...bulkCases('users', (index) => ({ id: `u${index}`, email: `u${index}@example.com` })),
  ['a user as its id alone', { users: ['u1'] }, false],
  ['a user with an email of 321 characters', { users: [{ id: 'u', email: x(321) }] }, false],
  ['a user with inline preferences and channel data', { users: [{ id: 'u', preferences: { default: { categories: { a: false } }, acme: {} }, channel_data: { [UUID]: { tokens: ['a'] } } }] }, true],
  ['a user with bad inline channel data', { users: [{ id: 'u', channel_data: { [UUID]: { tokens: 'a' } } }] }, false],
];

const bulkObjectCases: Case[] = [
  ...bulkCases('objects', (index) => ({ id: `o${index}`, name: `Object ${index}` })),
  ['an object as its id alone', { objects: ['o1'] }, false],
  ['an object naming a collection', { objects: [{ id: 'o', collection: 'projects' }] }, false],
  ['an object with an email of 400 characters (custom)', { objects: [{ id: 'o', email: x(400) }] }, true],
];

const evaluate = (fields: Record<string, unknown> = {}) => ({ recipients: ['u1'], workflow: { key: 'w' }, channel: { type: 'email' }, ...fields });
const evaluateCases: Case[] = [
  ['the least body', evaluate(), true],
  ['no recipients', evaluate({ recipients: [] }), false],
  [`${LIMITS.bulkUsers} recipients`, evaluate({ recipients: list(LIMITS.bulkUsers, (index) => `u${index}`) }), true],
  [`${LIMITS.bulkUsers + 1} recipients`, evaluate({ recipients: list(LIMITS.bulkUsers + 1, (index) => `u${index}`) }), false],
  ['a repeated recipient', evaluate({ recipients: ['u1', 'u1'] }), true],
  ['a recipient object', evaluate({ recipients: [{ id: 'u1', plan: 'pro' }] }), true],
  ['a recipient object without id', evaluate({ recipients: [{ plan: 'pro' }] }), false],
  ['an object recipient', evaluate({ recipients: [{ id: 'p1', collection: 'projects' }, 'p1'] }), true],
  ['an object recipient with properties', evaluate({ recipients: [{ id: 'p1', collection: 'a.b_c-d', plan: 'pro' }] }), true],
  ['a recipient whose collection is null (a user)', evaluate({ recipients: [{ id: 'u1', collection: null }] }), true],
  [`a collection of ${LIMITS.idLength} characters`, evaluate({ recipients: [{ id: 'p1', collection: x(LIMITS.idLength) }] }), true],
  [`a collection of ${LIMITS.idLength + 1} characters`, evaluate({ recipients: [{ id: 'p1', collection: x(LIMITS.idLength + 1) }] }), false],
  ['a reserved collection', evaluate({ recipients: [{ id: 'u1', collection: '$users' }] }), false],
  ['an empty collection', evaluate({ recipients: [{ id: 'p1', collection: '' }] }), false],
  ['a collection with a slash', evaluate({ recipients: [{ id: 'p1', collection: 'a/b' }] }), false],
  ['a collection that is a number', evaluate({ recipients: [{ id: 'p1', collection: 7 }] }), false],
  ['a recipient id of 255 emoji', evaluate({ recipients: [emoji(255)] }), true],
  ['a recipient id of 256 characters', evaluate({ recipients: [x(256)] }), false],
  ['an empty recipient id', evaluate({ recipients: [''] }), false],
  ['a recipient id with a newline', evaluate({ recipients: ['a\nb'] }), false],
  ['a recipient object whose id has a tab', evaluate({ recipients: [{ id: 'a\tb' }] }), false],
  ['a recipient that is a number', evaluate({ recipients: [1] }), false],
  ['a recipient null', evaluate({ recipients: [null] }), false],
  ['recipients a string', evaluate({ recipients: 'u1' }), false],
  ['no workflow', { recipients: ['u1'], channel: { type: 'email' } }, false],
  ['a workflow without key', evaluate({ workflow: {} }), false],
  ['a workflow key of 256 characters', evaluate({ workflow: { key: x(256) } }), false],
  ['a workflow key with a newline', evaluate({ workflow: { key: 'a\nb' } }), false],
  ['no category', evaluate({ workflow: { key: 'w', categories: [] } }), true],
  ['categories null', evaluate({ workflow: { key: 'w', categories: null } }), true],
  [`${MAX_WORKFLOW_CATEGORIES} categories`, evaluate({ workflow: { key: 'w', categories: list(MAX_WORKFLOW_CATEGORIES, (index) => `c${index}`) } }), true],
  [`${MAX_WORKFLOW_CATEGORIES + 1} categories`, evaluate({ workflow: { key: 'w', categories: list(MAX_WORKFLOW_CATEGORIES + 1, (index) => `c${index}`) } }), false],
  ['a repeated category', evaluate({ workflow: { key: 'w', categories: ['c', 'c'] } }), true],
  ['an empty category', evaluate({ workflow: { key: 'w', categories: [''] } }), false],
  ['a category with a newline', evaluate({ workflow: { key: 'w', categories: ['a\nb'] } }), false],
  ['a category that is a number', evaluate({ workflow: { key: 'w', categories: [1] } }), false],
  ['commercial true', evaluate({ workflow: { key: 'w', commercial: true, override_preferences: false } }), true],
  ['commercial null', evaluate({ workflow: { key: 'w', commercial: null, override_preferences: null } }), true],
  ['commercial "yes"', evaluate({ workflow: { key: 'w', commercial: 'yes' } }), false],
  ['an unknown key in the workflow', evaluate({ workflow: { key: 'w', trigger: 'x' } }), false],
  ...CHANNEL_TYPES.map((type): Case => [`channel type ${type}`, evaluate({ channel: { type } }), true]),
  ['channel type fax', evaluate({ channel: { type: 'fax' } }), false],
  ['channel type Email', evaluate({ channel: { type: 'Email' } }), false],
  ['no channel type', evaluate({ channel: {} }), false],
  ['no channel', { recipients: ['u1'], workflow: { key: 'w' } }, false],
  ['a channel id, lower case', evaluate({ channel: { type: 'email', id: UUID } }), true],
  ['a channel id, upper case', evaluate({ channel: { type: 'email', id: UUID.toUpperCase() } }), true],
  ['a channel id null', evaluate({ channel: { type: 'email', id: null } }), true],
  ['a channel id that is no UUID', evaluate({ channel: { type: 'email', id: 'c1' } }), false],
  ['a channel id of the wrong shape', evaluate({ channel: { type: 'email', id: `${UUID}0` } }), false],
  ['an unknown key in the channel', evaluate({ channel: { type: 'email', name: 'x' } }), false],
  ['a tenant', evaluate({ tenant: 't1' }), true],
  ['a tenant null', evaluate({ tenant: null }), true],
  ['an empty tenant', evaluate({ tenant: '' }), false],
  ['a tenant with a newline', evaluate({ tenant: 'a\nb' }), false],
  ['a tenant of 256 characters', evaluate({ tenant: x(256) }), false],
  ['data an object', evaluate({ data: { a: 1 } }), true],
  ['data null', evaluate({ data: null }), true],
  ['data an array', evaluate({ data: [] }), false],
  ['an actor id', evaluate({ actor: 'a1' }), true],
  ['an actor object', evaluate({ actor: { id: 'a1' } }), true],
  ['an actor null', evaluate({ actor: null }), true],
  ['an empty actor id', evaluate({ actor: '' }), false],
  ['an actor id with a newline', evaluate({ actor: 'a\nb' }), false],
  ['an actor that is a number', evaluate({ actor: 1 }), false],
  ['an unknown key in the body', evaluate({ priority: 1 }), false],
  ['the body an array', [], false],
];

const row = (fields: Record<string, unknown> = {}) => ({ key: 'categories.marketing', label: 'Marketing', ...fields });
const layout = (rows: unknown[], fields: Record<string, unknown> = {}) => ({ title: 'Your preferences', rows, ...fields });
const preferenceCenterCases: Case[] = [
  ['no row', layout([]), true],
  ['a category row', layout([row()]), true],
  ['a workflow row', layout([row({ key: 'workflows.digest' })]), true],
  ['a channel row', layout([row({ key: `channels.${UUID}` })]), true],
  ['a channel row, upper case', layout([row({ key: `channels.${UUID.toUpperCase()}` })]), true],
  ['a channel row that is no UUID', layout([row({ key: 'channels.abc' })]), false],
  ['a channel row of dashes', layout([row({ key: `channels.${'-'.repeat(36)}` })]), false],
  ['a row key without field', layout([row({ key: 'marketing' })]), false],
  ['a row key of another field', layout([row({ key: 'channel_types.email' })]), false],
  ['a row key with an empty key', layout([row({ key: 'categories.' })]), false],
  ['a row key of 255 characters', layout([row({ key: `categories.${x(255)}` })]), true],
  ['a row key of 256 characters', layout([row({ key: `categories.${x(256)}` })]), false],
  ['a row key with a newline', layout([row({ key: 'categories.a\nb' })]), false],
  ['a row key constructor', layout([row({ key: 'workflows.constructor' })]), false],
  [`${MAX_LAYOUT_ROWS} rows`, layout(list(MAX_LAYOUT_ROWS, (index) => row({ key: `categories.c${index}` }))), true],
  [`${MAX_LAYOUT_ROWS + 1} rows`, layout(list(MAX_LAYOUT_ROWS + 1, (index) => row({ key: `categories.c${index}` }))), false],
  ['a label of 200 characters', layout([row({ label: x(200) })]), true],
  ['a label of 201 characters', layout([row({ label: x(201) })]), false],
  ['a label of 200 emoji', layout([row({ label: emoji(200) })]), true],
  ['a label of 201 emoji', layout([row({ label: emoji(201) })]), false],
  ['an empty label', layout([row({ label: '' })]), false],
  ['a blank label', layout([row({ label: '   ' })]), false],
  ['no label', layout([{ key: 'categories.a' }]), false],
  ['a label with a NUL', layout([row({ label: 'a\u0000' })]), false],
  ['a row description of 2000 characters', layout([row({ description: x(2000) })]), true],
  ['a row description of 2001 characters', layout([row({ description: x(2001) })]), false],
  ['an empty row description', layout([row({ description: '' })]), true],
  ['a row description null', layout([row({ description: null })]), false],
  ['every channel type in a row', layout([row({ channel_types: [...CHANNEL_TYPES] })]), true],
  ['no channel type in a row', layout([row({ channel_types: [] })]), false],
  ['a channel type twice in a row', layout([row({ channel_types: ['email', 'email'] })]), false],
  ['channel type fax in a row', layout([row({ channel_types: ['fax'] })]), false],
  ['channel types on a channel row', layout([row({ key: `channels.${UUID}`, channel_types: ['email'] })]), false],
  ['an unknown key in a row', layout([row({ hidden: true })]), false],
  ['a row that is a string', layout(['categories.a']), false],
  ['a title of 200 characters', layout([], { title: x(200) }), true],
  ['a title of 201 characters', layout([], { title: x(201) }), false],
  ['a title of 200 emoji', layout([], { title: emoji(200) }), true],
  ['an empty title', layout([], { title: '' }), false],
  ['a blank title', layout([], { title: ' ' }), false],
  ['no title', { rows: [] }, false],
  ['a description of 2000 characters', layout([], { description: x(2000) }), true],
  ['a description of 2001 characters', layout([], { description: x(2001) }), false],
  ['a description with a lone surrogate', layout([], { description: 'a\ud800' }), false],
  ['no rows', { title: 'T' }, false],
  ['rows null', layout(null as unknown as unknown[]), false],
  ['an unknown key in the body', layout([], { theme: 'dark' }), false],
  ['the body an array', [], false],
];

const linksCases: Case[] = [
  ['an empty body', {}, true],
  ['a category scope', { scope: 'categories.marketing' }, true],
  ['a workflow scope', { scope: 'workflows.digest' }, true],
  ['a scope null', { scope: null }, true],
  ['a channel scope', { scope: `channels.${UUID}` }, false],
  ['a scope without field', { scope: 'marketing' }, false],
  ['a scope with an empty key', { scope: 'categories.' }, false],
  ['a scope key of 255 characters', { scope: `categories.${x(255)}` }, true],
  ['a scope key of 256 characters', { scope: `categories.${x(256)}` }, false],
  ['a scope key with a newline', { scope: 'categories.a\nb' }, false],
  ['a scope key __proto__', { scope: 'categories.__proto__' }, false],
  ['a scope that is a number', { scope: 1 }, false],
  ['a tenant', { tenant: 't1' }, true],
  ['a tenant null', { tenant: null }, true],
  ['an empty tenant', { tenant: '' }, false],
  ['a tenant of 256 characters', { tenant: x(256) }, false],
  ['a tenant with a newline', { tenant: 'a\nb' }, false],
  ['a tenant that is a number', { tenant: 1 }, false],
  ['an unknown key', { scope: null, expires_in: 60 }, false],
  ['the body an array', [], false],
];

const environmentSetCases: Case[] = [
  ['an empty body', {}, true],
  ['a category', { categories: { marketing: false } }, true],
  ['a __strategy__ marker (tenants only)', { categories: { marketing: { __strategy__: 'replace' } } }, false],
  ['naming the set', { id: 'default' }, false],
  ['channel type fax', { channel_types: { fax: true } }, false],
  ['the body an array', [], false],
];

const data = (value: unknown) => ({ data: value });
const channelDataCases: Case[] = [
  ['push tokens', data({ tokens: ['t1', 't2'] }), true],
  ['no tokens', data({ tokens: [] }), true],
  ['a token that is a number', data({ tokens: [1] }), false],
  ['a token with a NUL', data({ tokens: ['a\u0000'] }), false],
  ['push devices', data({ devices: [{ token: 't', locale: 'en', timezone: null }] }), true],
  ['a device without a token', data({ devices: [{ locale: 'en' }] }), false],
  ['a device with a token and a target_arn', data({ devices: [{ token: 't', target_arn: 'a' }] }), false],
  ['AWS SNS devices', data({ devices: [{ target_arn: 'arn' }] }), true],
  ['an unknown device field', data({ devices: [{ token: 't', os: 'ios' }] }), false],
  ['target ARNs', data({ target_arns: ['arn'] }), true],
  ['OneSignal player ids', data({ player_ids: [UUID] }), true],
  ['a player id that is no UUID', data({ player_ids: ['p1'] }), false],
  ['Slack token connections and a token', data({ connections: [{ access_token: 'x', channel_id: 'C', channel_name: null, user_id: null }], token: { access_token: null } }), true],
  ['a Slack token without access_token', data({ connections: [], token: {} }), false],
  ['a Slack token null', data({ connections: [], token: null }), true],
  ['an incoming webhook', data({ connections: [{ incoming_webhook: { url: 'https://h.test' } }] }), true],
  ['an incoming webhook without url', data({ connections: [{ incoming_webhook: {} }] }), false],
  ['an incoming webhook beside token fields', data({ connections: [{ incoming_webhook: { url: 'u' }, access_token: 'x' }] }), false],
  ['an empty connection', data({ connections: [{}] }), true],
  ['Teams ids', data({ connections: [{ ms_teams_team_id: UUID, ms_teams_channel_id: null }], ms_teams_tenant_id: UUID }), true],
  ['a Teams id that is no UUID', data({ connections: [{ ms_teams_user_id: 'u' }] }), false],
  ['a Discord channel', data({ connections: [{ channel_id: '1' }] }), true],
  ['an unknown connection field', data({ connections: [{ guild: 'g' }] }), false],
  ['two shapes at once', data({ tokens: [], target_arns: [] }), false],
  ['no shape', data({}), false],
  ['data an array', data([]), false],
  ['data null', data(null), false],
  ['no data', {}, false],
  ['a field beside data', { data: { tokens: [] }, channel_id: UUID }, false],
];

const channelTypesCases: Case[] = [
  ['one channel type', { email: false }, true],
  ['every channel type', Object.fromEntries(CHANNEL_TYPES.map((type) => [type, true])), true],
  ['conditions', { sms: { conditions: [condition] } }, true],
  ['a null (a merge removes it)', { push: null }, true],
  ['channel type fax', { fax: true }, false],
  ['a string', { email: 'yes' }, false],
  ['an empty body', {}, true],
  ['the body an array', [], false],
  ['the body null', null, false],
];
const channelTypeCases: Case[] = [
  ['subscribed false', { subscribed: false }, true],
  ['subscribed true', { subscribed: true }, true],
  ['subscribed a string', { subscribed: 'true' }, false],
  ['subscribed null', { subscribed: null }, false],
  ['no subscribed', {}, false],
  ['conditions (not for one channel type)', { conditions: [condition] }, false],
  ['a field beside subscribed', { subscribed: true, email: true }, false],
  ['the body an array', [], false],
];
const settingsMapCases: Case[] = [
  ['a boolean', { welcome: true }, true],
  ['a setting object', { welcome: { channel_types: { email: false }, conditions: [condition] } }, true],
  ['a null (a merge removes it)', { welcome: null }, true],
  ['an empty body', {}, true],
  ['a key of 255 characters', { [x(255)]: true }, true],
  ['a key of 256 characters', { [x(256)]: true }, false],
  ['a key constructor', { constructor: true }, false],
  [`${LIMITS.mapEntries} keys`, Object.fromEntries(list(LIMITS.mapEntries, (index) => [`k${index}`, true])), true],
  [`${LIMITS.mapEntries + 1} keys`, Object.fromEntries(list(LIMITS.mapEntries + 1, (index) => [`k${index}`, true])), false],
  ['a string', { welcome: 'on' }, false],
  ['channel type fax in a setting', { welcome: { channel_types: { fax: true } } }, false],
  ['the body an array', [], false],
];
const settingCases: Case[] = [
  ['subscribed true', { subscribed: true }, true],
  ['subscribed a number', { subscribed: 1 }, false],
  ['a field beside subscribed', { subscribed: true, conditions: [] }, false],
  ['a setting object', { channel_types: { email: false }, channels: { [UUID]: true }, conditions: [condition] }, true],
  ['an empty setting object', {}, true],
  ['channel type fax', { channel_types: { fax: true } }, false],
  ['a channel that is no UUID', { channels: { push: true } }, false],
  ['an unknown field', { enabled: true }, false],
  ['the body an array', [], false],
];

const audienceCases: Case[] = [
  ['one member', { members: [{ user: { id: 'u1' } }] }, true],
  ['a member with properties and a tenant', { members: [{ user: { id: 'u1', name: 'Ann', plan: 'pro' }, tenant: 'acme' }] }, true],
  ['a tenant null', { members: [{ user: { id: 'u1' }, tenant: null }] }, true],
  [`${LIMITS.bulkUsers} members`, { members: list(LIMITS.bulkUsers, (index) => ({ user: { id: `u${index}` } })) }, true],
  [`${LIMITS.bulkUsers + 1} members`, { members: list(LIMITS.bulkUsers + 1, (index) => ({ user: { id: `u${index}` } })) }, false],
  ['no members', { members: [] }, false],
  ['a user without an id', { members: [{ user: { name: 'Ann' } }] }, false],
  ['a member without a user', { members: [{ tenant: 'acme' }] }, false],
  ['a tenant that is a number', { members: [{ user: { id: 'u1' }, tenant: 1 }] }, false],
  ['an empty tenant', { members: [{ user: { id: 'u1' }, tenant: '' }] }, false],
  ['an unknown member field', { members: [{ user: { id: 'u1' }, role: 'admin' }] }, false],
  ['a member that is an id', { members: ['u1'] }, false],
  ['a field beside members', { members: [{ user: { id: 'u1' } }], audience: 'x' }, false],
  ['the body an array', [], false],
];

const bulkDeleteCases: Case[] = [
  ['one id', { user_ids: ['u1'] }, true],
  [`${LIMITS.bulkUsers} ids`, { user_ids: list(LIMITS.bulkUsers, (index) => `u${index}`) }, true],
  [`${LIMITS.bulkUsers + 1} ids`, { user_ids: list(LIMITS.bulkUsers + 1, (index) => `u${index}`) }, false],
  ['a repeated id', { user_ids: ['u1', 'u1'] }, true],
  ['no ids', { user_ids: [] }, false],
  ['an empty id', { user_ids: [''] }, false],
  ['an id of 256 characters', { user_ids: [x(256)] }, false],
  ['an id with a newline', { user_ids: ['a\nb'] }, false],
  ['an id that is a number', { user_ids: [1] }, false],
  ['no user_ids', {}, false],
  ['a field beside user_ids', { user_ids: ['u1'], preferences: {} }, false],
  ['the body an array', [], false],
];

/** The users' bulk delete cases, under `object_ids`. */
const bulkDeleteObjectCases: Case[] = bulkDeleteCases.map(([what, body, accepted]): Case => [
  what.replace('user_ids', 'object_ids'),
  body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.fromEntries(Object.entries(body).map(([key, value]) => [key === 'user_ids' ? 'object_ids' : key, value])) : body,
  accepted,
]);
const bulkDeleteTenantsCases: Case[] = [
  ['one id', { tenant_ids: ['t1'] }, true],
  [`${LIMITS.bulkUsers} ids`, { tenant_ids: list(LIMITS.bulkUsers, (index) => `t${index}`) }, true],
  [`${LIMITS.bulkUsers + 1} ids`, { tenant_ids: list(LIMITS.bulkUsers + 1, (index) => `t${index}`) }, false],
  ['a repeated id', { tenant_ids: ['t1', 't1'] }, true],
  ['an id of 255 characters', { tenant_ids: [x(255)] }, true],
  ['no ids', { tenant_ids: [] }, false],
  ['an empty id', { tenant_ids: [''] }, false],
  ['an id of 256 characters', { tenant_ids: [x(256)] }, false],
  ['an id with a newline', { tenant_ids: ['a\nb'] }, false],
  ['an id that is a number', { tenant_ids: [1] }, false],
  ['tenant_ids not a list', { tenant_ids: 't1' }, false],
  ['no tenant_ids', {}, false],
  ['a field beside tenant_ids', { tenant_ids: ['t1'], user_ids: [] }, false],
  ['the body an array', [], false],
];

const mergeUserCases: Case[] = [
  ['another user', { from_user_id: 'anon-1' }, true],
  ['an id of 255 characters', { from_user_id: x(255) }, true],
  ['an id of 256 characters', { from_user_id: x(256) }, false],
  ['an empty id', { from_user_id: '' }, false],
  ['an id with a newline', { from_user_id: 'a\nb' }, false],
  ['an id that is a number', { from_user_id: 7 }, false],
  ['no from_user_id', {}, false],
  ['a field beside it', { from_user_id: 'anon-1', into: 'x' }, false],
  ['the body an array', [], false],
];

/** Recipients of subscriptions: user ids and object references (both calls), inline users (adds only). */
const referenceCases = (inline: boolean): Case[] => [
  ['a user id', { recipients: ['u1'] }, true],
  ['an object reference', { recipients: [{ id: 'team-1', collection: 'teams' }] }, true],
  ['a collection with . _ and -', { recipients: [{ id: 't', collection: 'a.b_c-d' }] }, true],
  [`${MAX_SUBSCRIPTION_RECIPIENTS} recipients`, { recipients: list(MAX_SUBSCRIPTION_RECIPIENTS, (index) => `u${index}`) }, true],
  [`${MAX_SUBSCRIPTION_RECIPIENTS + 1} recipients`, { recipients: list(MAX_SUBSCRIPTION_RECIPIENTS + 1, (index) => `u${index}`) }, false],
  ['a repeated recipient', { recipients: ['u1', 'u1'] }, true],
  ['no recipients', { recipients: [] }, false],
  ['recipients absent', {}, false],
  ['an empty user id', { recipients: [''] }, false],
  ['a user id of 256 characters', { recipients: [x(256)] }, false],
  ['a user id with a newline', { recipients: ['a\nb'] }, false],
  ['a reserved collection', { recipients: [{ id: 'x', collection: '$users' }] }, false],
  ['a collection with a space', { recipients: [{ id: 'x', collection: 'a b' }] }, false],
  ['a collection of 256 characters', { recipients: [{ id: 'x', collection: x(256) }] }, false],
  ['an object without id', { recipients: [{ collection: 'teams' }] }, false],
  ['an object with properties', { recipients: [{ id: 't', collection: 'teams', name: 'T' }] }, false],
  ['a recipient that is a number', { recipients: [7] }, false],
  ['an inline user', { recipients: [{ id: 'u1', name: 'Ann', plan: 'pro' }] }, inline],
  ['an inline user without id', { recipients: [{ name: 'Ann' }] }, false],
  ['a field beside recipients', { recipients: ['u1'], extra: 1 }, false],
  ['the body an array', [], false],
];

const addSubscriptionCases: Case[] = [
  ...referenceCases(true),
  ['properties', { recipients: ['u1'], properties: { role: 'admin', nested: { a: [1] } } }, true],
  ['properties null', { recipients: ['u1'], properties: null }, true],
  ['properties an array', { recipients: ['u1'], properties: [] }, false],
  ['a property key starting with __', { recipients: ['u1'], properties: { __typename: 'x' } }, false],
  [`${MAX_PROPERTIES + 1} properties`, { recipients: ['u1'], properties: properties(MAX_PROPERTIES + 1) }, false],
  ['an inline user with a bad email', { recipients: [{ id: 'u1', email: 7 }] }, false],
];

const hook = (fields: Record<string, unknown>) => ({ url: 'https://hooks.example/in', events: ['bulk_operation.completed'], ...fields });
const webhookCases: Case[] = [
  ['an https endpoint', hook({}), true],
  ['every event, a description', hook({ events: [...WEBHOOK_EVENT_TYPES], description: 'ops' }), true],
  ['an http endpoint with a port and query', hook({ url: 'HTTP://127.0.0.1:8080/x?y=1' }), true],
  ['a null description', hook({ description: null }), true],
  ['a description of 1,024 characters', hook({ description: emoji(1024) }), true],
  ['a description of 1,025 characters', hook({ description: x(1025) }), false],
  ['a description with NUL', hook({ description: 'a\u0000b' }), false],
  ['a URL of 2,048 characters', hook({ url: `https://h.example/${x(2048 - 18)}` }), true],
  ['a URL of 2,049 characters', hook({ url: `https://h.example/${x(2049 - 18)}` }), false],
  ['an ftp URL', hook({ url: 'ftp://h.example/' }), false],
  ['a relative URL', hook({ url: '/in' }), false],
  ['a URL with a space', hook({ url: 'https://h.example/a b' }), false],
  ['a URL that is a number', hook({ url: 7 }), false],
  ['no url', { events: ['bulk_operation.failed'] }, false],
  ['no events', { url: 'https://h.example/' }, false],
  ['no event', hook({ events: [] }), false],
  ['an unknown event', hook({ events: ['user.created'] }), false],
  ['events not a list', hook({ events: 'bulk_operation.failed' }), false],
  ['a secret of its own', hook({ secret: 'whsec_x' }), false],
  ['the body an array', [], false],
];
const webhookPatchCases: Case[] = [
  ['nothing', {}, true],
  ['disabled', { enabled: false }, true],
  ['a new URL and events', { url: 'https://h.example/2', events: ['unsubscribe.created'] }, true],
  ['no description', { description: null }, true],
  ['enabled as text', { enabled: 'true' }, false],
  ['no event', { events: [] }, false],
  ['a URL of another scheme', { url: 'mailto:a@b.c' }, false],
  ['an unknown field', { secret: 'x' }, false],
  ['the body an array', [], false],
];

/** A bulk body of entries `{ id, ...entry }` around one add or delete body's cases. */
const bulkSubscriptionCases = (cases: Case[]): Case[] => [
  ...cases.filter(([, body]) => !Array.isArray(body)).map(([what, body, accepted]): Case => [`an entry with ${what}`, { subscriptions: [{ id: 'o-1', ...(body as object) }] }, accepted]),
  [`${LIMITS.bulkUsers} entries`, { subscriptions: list(LIMITS.bulkUsers, (index) => ({ id: `o${index}`, recipients: ['u1'] })) }, true],
  [`${LIMITS.bulkUsers + 1} entries`, { subscriptions: list(LIMITS.bulkUsers + 1, (index) => ({ id: `o${index}`, recipients: ['u1'] })) }, false],
  ['no entries', { subscriptions: [] }, false],
  ['an entry without id', { subscriptions: [{ recipients: ['u1'] }] }, false],
  ['an entry id of 256 characters', { subscriptions: [{ id: x(256), recipients: ['u1'] }] }, false],
  ['an entry that is an id', { subscriptions: ['o-1'] }, false],
  ['a field beside subscriptions', { subscriptions: [{ id: 'o-1', recipients: ['u1'] }], extra: 1 }, false],
  ['the body an array', [], false],
];

const CASES: Record<EndpointName, Case[]> = {
  tenant: tenantCases,
  user: userCases,
  object: objectCases,
  objectChannelData: channelDataCases,
  bulkTenants: bulkTenantCases,
  bulkUsers: bulkUserCases,
  bulkObjects: bulkObjectCases,
  bulkDeleteObjects: bulkDeleteObjectCases,
  environmentSet: environmentSetCases,
  evaluate: evaluateCases,
  preferenceCenter: preferenceCenterCases,
  links: linksCases,
  channelData: channelDataCases,
  addSubscriptions: addSubscriptionCases,
  bulkAddSubscriptions: bulkSubscriptionCases(addSubscriptionCases),
  bulkDeleteSubscriptions: bulkSubscriptionCases([...referenceCases(false), ['properties', { recipients: ['u1'], properties: {} }, false]]),
  deleteSubscriptions: [...referenceCases(false), ['properties', { recipients: ['u1'], properties: {} }, false]],
  audienceMembers: audienceCases,
  mergeUser: mergeUserCases,
  bulkDeleteUsers: bulkDeleteCases,
  bulkDeleteTenants: bulkDeleteTenantsCases,
  audienceRemovals: audienceCases,
  channelTypes: channelTypesCases,
  channelType: channelTypeCases,
  workflows: settingsMapCases,
  workflow: settingCases,
  categories: settingsMapCases,
  category: settingCases,
  objectSet: environmentSetCases,
  objectChannelTypes: channelTypesCases,
  objectChannelType: channelTypeCases,
  objectWorkflows: settingsMapCases,
  objectWorkflow: settingCases,
  objectCategories: settingsMapCases,
  objectCategory: settingCases,
  webhook: webhookCases,
  webhookPatch: webhookPatchCases,
};

function answers(endpoint: Endpoint, body: unknown) {
  const validated = endpoint.validator(body);
  const document = endpoint.document(body) as boolean;
  const why = [
    validated.ok ? '' : `validator: ${validated.errors.slice(0, 2).map((error) => `${error.field} ${error.type}`).join(', ')}`,
    document ? '' : `document: ${ajv.errorsText(endpoint.document.errors?.slice(0, 2))}`,
  ].filter(Boolean).join('; ');
  return { validator: validated.ok, document, why };
}

const table = (Object.keys(CASES) as EndpointName[]).flatMap((name) => CASES[name].map(([what, body, accepted]) => [name, what, body, accepted] as const));

describe('every request body: validator and document answer alike', () => {
  it.each(table)('%s: %s', (name, _what, body, accepted) => {
    // As the API would receive it: JSON, where a field set to undefined is absent.
    const answer = answers(ENDPOINTS[name], JSON.parse(JSON.stringify(body)));
    expect({ validator: answer.validator, document: answer.document, why: answer.why }).toEqual({ validator: accepted, document: accepted, why: expect.any(String) });
  });
});

describe('limits the document states in words only', () => {
  const words: [EndpointName, string, unknown][] = [
    ...(['tenant', 'user', 'object'] as const).flatMap((name) => wordsOnlyCases({}).map(([what, body]): [EndpointName, string, unknown] => [name, what, body])),
    ['user', 'a timezone that is no IANA zone', { timezone: 'Mars/Olympus' }],
    ['user', 'a created_at that is no date', { created_at: '2024-13-01T00:00:00Z' }],
    ['bulkUsers', 'a user with a bad timezone', { users: [{ id: 'u', timezone: 'Mars/Olympus' }] }],
    ['bulkObjects', 'an object with a bad timezone', { objects: [{ id: 'o', timezone: 'Mars/Olympus' }] }],
    ['tenant', 'a logo_url whose host a browser refuses', branding({ logo_url: 'https://exa mple.com/' })],
    ['tenant', 'a logo_url without host', branding({ logo_url: 'https://' })],
    ['tenant', 'a logo_url with port 99999', branding({ logo_url: 'https://a.example:99999/' })],
    ['tenant', 'a logo_url whose host could end a Content-Security-Policy directive', branding({ logo_url: 'https://a;sandbox/logo.png' })],
    ['tenant', 'a logo_url whose host holds a comma', branding({ logo_url: 'https://a,b.example/logo.png' })],
    ['preferenceCenter', 'the same row twice', layout([row(), row()])],
    ['tenant', 'an id other than the path\'s', { id: 'another' }],
    ['user', 'an id other than the path\'s', { id: 'another' }],
    ['addSubscriptions', 'the object subscribing to itself', { recipients: [SUBSCRIBED] }],
    ['addSubscriptions', `properties nested ${MAX_PROPERTY_DEPTH + 1} deep`, { recipients: ['u1'], properties: { deep: nested(MAX_PROPERTY_DEPTH + 1) } }],
    ['addSubscriptions', `properties of more than ${MAX_PROPERTIES_BYTES} bytes`, { recipients: ['u1'], properties: { big: x(MAX_PROPERTIES_BYTES) } }],
    ['object', 'a timezone that is no IANA zone', { timezone: 'Mars/Olympus' }],
    ['object', 'an id other than the path\'s', { id: 'another' }],
    ...(['user', 'tenant'] as const).flatMap((name): [EndpointName, string, unknown][] => [
      [name, `an inline set of more than ${PREFERENCE_SET_LIMITS.bytes} bytes`, { preferences: { default: { workflows: Object.fromEntries(list(LIMITS.mapEntries, (index) => [`workflow-${index}-${x(60)}`, true])) } } }],
      [name, `inline channel data of more than ${CHANNEL_DATA_MAX_BYTES} bytes`, { channel_data: { [UUID]: { tokens: list(200, (index) => `${index}-${x(100)}`) } } }],
    ]),
  ];
  it.each(words)('%s: %s: the validator refuses, the document accepts', (name, _what, body) => {
    const answer = answers(ENDPOINTS[name], JSON.parse(JSON.stringify(body)));
    expect({ validator: answer.validator, document: answer.document }).toEqual({ validator: false, document: true });
  });
});

/**
 * Mutations of the hand-written bodies (a field removed, nulled, retyped, made huge or strange, a key
 * added), seeded: FUZZ_SEED=<n> replays a run, FUZZ_CASES=<n> changes the number per endpoint.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MUTATIONS = Number(process.env.FUZZ_CASES ?? 2_000);
/** The validator's error types of the rules the document states in words only (see the describe above). */
const WORDS_ONLY = / (isTimeZone|isISO8601|isUrl|duplicate|too_deep|too_large|self_subscription)\b/;

const STRANGE: unknown[] = [null, true, 0, -1, 1.5, '', ' ', 'x', x(256), emoji(256), 'a\u0000b', 'a\nb', 'a\ud800', '__proto__', '__x', 'replace', 'merge', 'email', 'fax', UUID, 'categories.a', 'channels.x', '#abcdef', 'https://a.example/', [], [1], {}, { a: 1 }];

function mutate(body: unknown, next: () => number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  if (typeof body !== 'object' || body === null || next() < 0.25) return pick(STRANGE);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(body) ? [...body] : { ...body };
  const keys = Object.keys(copy);
  const roll = next();
  if (keys.length === 0 || roll < 0.15) {
    (copy as Record<string, unknown>)[pick(['extra', '__x', 'id', 'name', 'settings', 'scope', 'tenant', 'key', 'label', 'channel_types', STRATEGY, 'a\u007f'])] = pick(STRANGE);
  } else if (roll < 0.3) {
    if (Array.isArray(copy)) copy.splice(Number(pick(keys)), 1);
    else delete copy[pick(keys)];
  } else {
    const key = pick(keys);
    (copy as Record<string, unknown>)[key] = mutate((copy as Record<string, unknown>)[key], next);
  }
  return copy;
}
const STRATEGY = '__strategy__';

/** A body's `id` must match the path's, which no schema of the body can say: send it to its own path. */
function asSentTo(name: EndpointName, body: unknown): Endpoint {
  const id = typeof body === 'object' && body !== null && typeof (body as { id?: unknown }).id === 'string' ? (body as { id: string }).id : null;
  if (id === null) return ENDPOINTS[name];
  if (name === 'tenant') return { ...ENDPOINTS.tenant, validator: (sent: unknown) => validateTenantInput(sent, id) };
  if (name === 'user') return { ...ENDPOINTS.user, validator: (sent: unknown) => validateUserInput(sent, id) };
  if (name === 'object') return { ...ENDPOINTS.object, validator: (sent: unknown) => validateObjectInput(sent, id) };
  return ENDPOINTS[name];
}

it('gives the same answer for mutations of every case', () => {
  const next = seededRandom(SEED);
  const disagreements: string[] = [];
  const counts = { compared: 0, accepted: 0 };
  for (const name of Object.keys(CASES) as EndpointName[]) {
    const bodies = CASES[name].map(([, body]) => JSON.parse(JSON.stringify(body)) as unknown).filter((body) => JSON.stringify(body).length < 20_000);
    for (let index = 0; index < MUTATIONS; index += 1) {
      let body = bodies[Math.floor(next() * bodies.length)];
      const rounds = 1 + Math.floor(next() * 3);
      for (let round = 0; round < rounds; round += 1) body = mutate(body, next);
      body = JSON.parse(JSON.stringify(body ?? null));
      // The JSON parser is strict: a body that is no object nor array never reaches a validator (400).
      if (typeof body !== 'object' || body === null) continue;
      const answer = answers(asSentTo(name, body), body);
      counts.compared += 1;
      if (answer.validator) counts.accepted += 1;
      // What the document states in words only: the validator may refuse what the schema accepts there.
      if (answer.validator !== answer.document && !(answer.document && WORDS_ONLY.test(answer.why))) {
        disagreements.push(`${name} ${JSON.stringify(body).slice(0, 200)} -> validator ${answer.validator}, document ${answer.document} (${answer.why})`);
      }
    }
  }
  console.log(`contract-endpoints: ${counts.compared} mutations (seed ${SEED}), ${counts.accepted} accepted`);
  expect(disagreements.slice(0, 10)).toEqual([]);
  expect(counts.accepted).toBeGreaterThan(counts.compared / 20);
});

it('covers every JSON request body of the document', () => {
  const document = OPENAPI_DOCUMENT as unknown as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>> };
  const bodies = Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([, operation]) => operation?.requestBody?.content?.['application/json'] !== undefined)
      .map(([method]) => `${method} ${path}`),
  );
  const covered = [
    'put /v1/tenants/{id}',
    'put /v1/users/{id}',
    'put /v1/objects/{collection}/{id}',
    'put /v1/objects/{collection}/{object_id}/channel_data/{channel_id}',
    'post /v1/tenants/bulk/set',
    'post /v1/users/bulk/identify',
    'post /v1/objects/{collection}/bulk/set',
    'post /v1/objects/{collection}/bulk/delete',
    'put /v1/environment/preferences',
    'post /v1/preferences/evaluate',
    'put /v1/preference_center',
    'post /v1/users/{user_id}/links',
    'put /v1/users/{user_id}/channel_data/{channel_id}',
    'post /v1/objects/{collection}/{object_id}/subscriptions',
    'delete /v1/objects/{collection}/{object_id}/subscriptions',
    'post /v1/objects/{collection}/bulk/subscriptions/add',
    'post /v1/objects/{collection}/bulk/subscriptions/delete',
    'post /v1/audiences/{key}/members',
    'post /v1/users/{id}/merge',
    'post /v1/users/bulk/delete',
    'post /v1/tenants/bulk/delete',
    'delete /v1/audiences/{key}/members',
    'put /v1/users/{user_id}/preferences/{id}/channel_types',
    'put /v1/users/{user_id}/preferences/{id}/channel_types/{type}',
    'put /v1/users/{user_id}/preferences/{id}/workflows',
    'put /v1/users/{user_id}/preferences/{id}/workflows/{key}',
    'put /v1/users/{user_id}/preferences/{id}/categories',
    'put /v1/users/{user_id}/preferences/{id}/categories/{key}',
    'put /v1/objects/{collection}/{object_id}/preferences/{id}',
    'put /v1/objects/{collection}/{object_id}/preferences/{id}/channel_types',
    'put /v1/objects/{collection}/{object_id}/preferences/{id}/channel_types/{type}',
    'put /v1/objects/{collection}/{object_id}/preferences/{id}/workflows',
    'put /v1/objects/{collection}/{object_id}/preferences/{id}/workflows/{key}',
    'put /v1/objects/{collection}/{object_id}/preferences/{id}/categories',
    'put /v1/objects/{collection}/{object_id}/preferences/{id}/categories/{key}',
    'post /v1/webhooks',
    'patch /v1/webhooks/{id}',
    // contract.test.ts
    'post /v1/users/bulk/preferences',
    'put /v1/users/{user_id}/preferences/{id}',
  ];
  expect(bodies.filter((body) => !covered.includes(body))).toEqual([]);
});
