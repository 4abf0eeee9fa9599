import { CHANNEL_TYPES, ENTITY_REQUEST_SCHEMAS, LAYOUT_LIMITS } from '@prefs/core';
import { errorResponses, json, parameterRef, ref, response, v1BodyErrors, v1Errors, type Paths, type Schema } from './components';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../page-query';

/**
 * The preference center (beyond Knock): its layout, users' signed links, their unsubscribes, and the
 * end users' pages (the preference center and the RFC 8058 one-click unsubscribe), which take a link's
 * token instead of a key.
 */

const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const text = { 'text/plain': { schema: { type: 'string' } } };
const htmlOrText = (description: string) => ({ description, content: { ...text, 'text/html': { schema: { type: 'string' } } } });
const rowKey = { type: 'string', pattern: '^(categories|workflows)\\..+$|^channels\\.[0-9a-fA-F-]{36}$', examples: ['categories.marketing', 'workflows.weekly-digest'] };
const token = {
  name: 't',
  in: 'query',
  required: true,
  description: 'The link\'s signed token, as in the URLs of `POST /v1/users/{user_id}/links`.',
  schema: { type: 'string', maxLength: 4096 },
};

/** A stored row (the request's row is `PreferenceCenterRowRequest`, derived from the contract). */
const layoutRow: Schema = {
  type: 'object',
  properties: {
    key: { ...rowKey, description: '`categories.<key>`, `workflows.<key>` or `channels.<channel id>`.' },
    label: { type: 'string', minLength: 1, maxLength: LAYOUT_LIMITS.titleLength },
    description: { type: ['string', 'null'] },
    channel_types: {
      type: ['array', 'null'],
      items: { type: 'string', enum: [...CHANNEL_TYPES] },
      uniqueItems: true,
      description: 'One toggle per listed channel type (categories and workflows only); one toggle for the row otherwise.',
    },
  },
  required: ['key', 'label', 'description', 'channel_types'],
  additionalProperties: false,
};

const knockBranding = {
  icon_url: { type: ['string', 'null'] },
  logo_url: { type: ['string', 'null'] },
  primary_color: { type: ['string', 'null'] },
  primary_color_contrast: { type: ['string', 'null'] },
};
const closedObject = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({ type: 'object', properties, required, additionalProperties: false });

export const preferenceCenterSchemas: Record<string, Schema> = {
  PreferenceCenterSignedUrlResponse: {
    ...closedObject({ url: { type: 'string', description: 'The manage-preferences link of the user.' }, token: { type: 'string', description: "The link's signed token (the `t` of the URL)." } }),
    description: "A signed preference center URL and token for a user (Knock's shape).",
  },
  PreferenceCenterConfigRow: closedObject(
    {
      type: { type: 'string', enum: ['workflow', 'channel', 'category', 'channel_types', 'commercial_subscribed'] },
      name: { type: 'string' },
      description: { type: 'string' },
      identifier: { type: ['string', 'null'], description: 'The category or workflow key, or the channel id; null for the commercial row.' },
      channel_types: { type: ['array', 'null'], items: { type: 'string' } },
    },
    ['type', 'name', 'identifier', 'channel_types'],
  ),
  PreferenceCenterConfigWithMetadata: {
    ...closedObject({
      enabled: { type: 'boolean' },
      config: closedObject({ title: { type: 'string' }, body: { type: 'string' }, rows: { type: 'array', items: ref('PreferenceCenterConfigRow') }, show_account_name: { type: 'boolean' } }),
      branding: closedObject({ ...knockBranding, dark: closedObject(knockBranding) }),
      account_name: { type: ['string', 'null'], description: "The tenant's name, with `?tenant=`." },
      user_email: { type: ['string', 'null'], description: "The user's email, else the user id." },
      knock_branding_required: { type: 'boolean' },
    }),
    description: "Knock's preference center config for a user: the layout's rows (the commercial row first, as on the page) and, with `?tenant=`, that tenant's branding.",
  },
  PreferenceCenterRequest: ENTITY_REQUEST_SCHEMAS.PreferenceCenterRequest,
  PreferenceCenterRowRequest: ENTITY_REQUEST_SCHEMAS.PreferenceCenterRowRequest,
  PreferenceCenter: {
    type: 'object',
    description: "The environment's preference center layout. The commercial row (`commercial_subscribed`) is always shown first, whatever the layout.",
    properties: {
      __typename: { const: 'PreferenceCenter' },
      title: { type: 'string' },
      description: { type: ['string', 'null'] },
      rows: { type: 'array', items: layoutRow },
      updated_at: { type: 'string', format: 'date-time' },
    },
    required: ['__typename', 'title', 'description', 'rows', 'updated_at'],
    additionalProperties: false,
  },
  UserLinksRequest: ENTITY_REQUEST_SCHEMAS.UserLinksRequest,
  UserLinks: {
    type: 'object',
    description: "A user's signed links: they never expire, work without a login, and stop working when their secret is retired.",
    properties: {
      link_id: { type: 'string', description: 'Recorded with every unsubscribe through these links; the key of their rate limits.' },
      manage_preferences_url: { type: 'string', format: 'uri' },
      commercial_unsubscribe_url: { type: 'string', format: 'uri' },
      list_unsubscribe: {
        type: 'object',
        description: 'The two email headers of RFC 8058 one-click unsubscribe, ready to use.',
        properties: {
          'List-Unsubscribe': { type: 'string', pattern: '^<https?://.+>$' },
          'List-Unsubscribe-Post': { const: 'List-Unsubscribe=One-Click' },
        },
        required: ['List-Unsubscribe', 'List-Unsubscribe-Post'],
        additionalProperties: false,
      },
    },
    required: ['link_id', 'manage_preferences_url', 'commercial_unsubscribe_url', 'list_unsubscribe'],
    additionalProperties: false,
  },
  Unsubscribe: {
    type: 'object',
    description: 'One unsubscribe through a link: a one-click POST, or commercial messages turned off on the preference center.',
    properties: {
      __typename: { const: 'Unsubscribe' },
      id: { type: 'string', format: 'uuid' },
      user_id: { type: 'string' },
      scope: { type: ['string', 'null'], description: 'null: `commercial_subscribed`; else the key set to false.' },
      tenant: { type: ['string', 'null'] },
      link_id: { type: 'string' },
      source: { type: 'string', enum: ['one_click', 'preference_center'] },
      inserted_at: { type: 'string', format: 'date-time' },
      repeats: {
        type: 'integer',
        minimum: 0,
        description: 'One-click POSTs of the same link that changed nothing (already unsubscribed) after this event: counted here, not stored again.',
      },
      last_at: { type: 'string', format: 'date-time', description: 'When the latest repeat came; `inserted_at` until one does.' },
    },
    required: ['__typename', 'id', 'user_id', 'scope', 'tenant', 'link_id', 'source', 'inserted_at', 'repeats', 'last_at'],
    additionalProperties: false,
  },
  ListUnsubscribesResponse: {
    type: 'object',
    description: "A page of the user's unsubscribes, newest first.",
    properties: { entries: { type: 'array', items: ref('Unsubscribe') }, page_info: ref('PageInfo') },
    required: ['entries', 'page_info'],
    additionalProperties: false,
  },
  PreferenceCenterSaved: {
    type: 'object',
    description: 'The answer to the page\'s script (Accept: application/json).',
    properties: { saved: { const: true }, changed: { type: 'integer', minimum: 0 }, message: { type: 'string' } },
    required: ['saved', 'changed', 'message'],
    additionalProperties: false,
  },
};

/** Errors of the end users' pages: a page in words (JSON to the page's script), never a stack trace. */
const pageErrors = {
  '400': html('A bad or tampered link, or a form the page did not make; nothing is written.'),
  '413': html('The form is too large.'),
  '429': html("Over the link's rate limit (tier 3, counted per link); retry after `Retry-After` seconds."),
  '431': { $ref: '#/components/responses/HeadersTooLarge' },
  '503': html('PostgreSQL is unavailable; nothing is written.'),
};

export const preferenceCenterPaths: Paths = {
  '/v1/preference_center': {
    get: {
      operationId: 'getPreferenceCenter',
      tags: ['Preference center'],
      summary: 'Get the preference center layout (beyond Knock)',
      description: 'The layout; 404 before one is set (the page then shows the environment default set\'s categories and workflows). Rate tier 4.',
      responses: { '200': response('The layout.', ref('PreferenceCenter')), ...v1Errors('404') },
    },
    put: {
      operationId: 'setPreferenceCenter',
      tags: ['Preference center'],
      summary: 'Set the preference center layout (beyond Knock)',
      description: 'Replaces the layout of the page. Rate tier 3.',
      requestBody: { required: true, content: json(ref('PreferenceCenterRequest')) },
      responses: { '200': response('The stored layout.', ref('PreferenceCenter')), ...v1BodyErrors() },
    },
  },
  '/v1/users/{user_id}/links': {
    post: {
      operationId: 'createUserLinks',
      tags: ['Preference center'],
      summary: "Create a user's preference center and unsubscribe links (beyond Knock)",
      description:
        'Signed links under PUBLIC_URL (without it, under the request\'s Host only when that is in ALLOWED_HOSTS, else the first allowed host): the preference center, the one-click unsubscribe, and the `List-Unsubscribe` / `List-Unsubscribe-Post` headers for an email. The body is optional. Rate tier 4.',
      parameters: [parameterRef('UserId')],
      requestBody: { required: false, content: json(ref('UserLinksRequest')) },
      responses: { '200': response('The links.', ref('UserLinks')), ...v1BodyErrors() },
    },
  },
  '/v1/users/{user_id}/preference_center/signed_url': {
    post: {
      operationId: 'generatePreferenceCenterSignedUrl',
      tags: ['Preference center'],
      summary: "A user's signed preference center URL",
      description: 'The manage-preferences link of `POST /v1/users/{user_id}/links`, in Knock\'s shape. Rate tier 3.',
      parameters: [parameterRef('UserId')],
      responses: { '200': response('The link and its token.', ref('PreferenceCenterSignedUrlResponse')), ...v1Errors('422') },
    },
  },
  '/v1/users/{user_id}/preference_center/config': {
    get: {
      operationId: 'getPreferenceCenterConfig',
      tags: ['Preference center'],
      summary: "The preference center config for a user",
      description: 'What the preference center shows the user, in Knock\'s shape; readable with a public key and the user\'s token. `?tenant=` (beyond Knock) adds that tenant\'s branding and name. Rate tier 4.',
      parameters: [parameterRef('UserId'), { name: 'tenant', in: 'query', required: false, description: 'A tenant whose branding to use.', schema: { type: 'string' } }],
      responses: { '200': response('The config.', ref('PreferenceCenterConfigWithMetadata')), ...v1Errors('422') },
    },
  },
  '/v1/users/{user_id}/unsubscribes': {
    get: {
      operationId: 'listUserUnsubscribes',
      tags: ['Preference center'],
      summary: "List a user's unsubscribes (beyond Knock)",
      description: 'Every unsubscribe of the user through a link, newest first, with cursor pagination. Rate tier 4.',
      parameters: [
        parameterRef('UserId'),
        { name: 'page_size', in: 'query', required: false, description: 'Entries per page.', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE } },
        { name: 'after', in: 'query', required: false, description: 'The cursor of the next page (`page_info.after`).', schema: { type: 'string' } },
      ],
      responses: { '200': response('A page of unsubscribes.', ref('ListUnsubscribesResponse')), ...v1Errors('422') },
    },
  },
  '/preferences': {
    get: {
      operationId: 'preferenceCenterPage',
      tags: ['Preference center'],
      summary: 'The preference center page',
      description: "An HTML page of the user's effective `default` set as toggles; no key, no cookie: the link's token is the authority. Rate tier 3 per link.",
      security: [],
      parameters: [token],
      responses: { '200': html('The page.'), ...pageErrors },
    },
    post: {
      operationId: 'savePreferenceCenter',
      tags: ['Preference center'],
      summary: 'Save the preference center',
      description:
        'The page\'s form (the token in field `t`): merges only the toggles changed into the user\'s `default` set, as PUT does. Answers the page again, or JSON to `Accept: application/json`. Rate tier 3 per link.',
      security: [],
      requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { t: { type: 'string' } }, required: ['t'] } } } },
      responses: {
        '200': { description: 'Saved.', content: { 'text/html': { schema: { type: 'string' } }, ...json(ref('PreferenceCenterSaved')) } },
        ...pageErrors,
      },
    },
  },
  '/unsubscribe': {
    get: {
      operationId: 'unsubscribeConfirmation',
      tags: ['Preference center'],
      summary: 'The unsubscribe confirmation page',
      description: 'Never writes (mail scanners follow links): a page whose button sends the one-click POST, and a link to the preference center. Rate tier 3 per link.',
      security: [],
      parameters: [token],
      responses: { '200': html('The confirmation page.'), ...pageErrors },
    },
    post: {
      operationId: 'oneClickUnsubscribe',
      tags: ['Preference center'],
      summary: 'One-click unsubscribe (RFC 8058)',
      description:
        'With the body `List-Unsubscribe=One-Click` (urlencoded or multipart) and nothing else: sets `commercial_subscribed: false` (or the link\'s scoped key `false`) on the user\'s `default` set and records the unsubscribe, committed before the 200. Never a redirect, no cookie; repeats are harmless. Rate tier 3 per link.',
      security: [],
      parameters: [token],
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { 'List-Unsubscribe': { const: 'One-Click' } }, required: ['List-Unsubscribe'], additionalProperties: false } },
          'multipart/form-data': { schema: { type: 'object', properties: { 'List-Unsubscribe': { const: 'One-Click' } }, required: ['List-Unsubscribe'], additionalProperties: false } },
        },
      },
      responses: {
        '200': htmlOrText('Unsubscribed (a page when the client asks for HTML).'),
        '400': htmlOrText('Any other body, or a bad or tampered link; nothing is written.'),
        '413': htmlOrText('The body is larger than 4 KB.'),
        '429': htmlOrText("Over the link's rate limit."),
        ...errorResponses(),
        '503': htmlOrText('PostgreSQL is unavailable; nothing is written (retry).'),
      },
    },
  },
};
