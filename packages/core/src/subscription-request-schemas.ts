import { LIMITS, PATTERNS, PROPERTY_LIMITS, SUBSCRIPTION_LIMITS } from './contract';
import { customPropertyNames } from './entity-request-schemas';
import { idSchema, schemaRef, type JsonSchema } from './request-schemas';

/**
 * The bodies of Knock's subscription calls and the references they carry, as JSON Schema (2020-12),
 * derived from `contract.ts` as the other request schemas are; `subscriptions.ts` validates the same.
 * What a schema cannot say (an object subscribing to itself, the depth and size of properties) is in the
 * descriptions.
 */

const recipients = (items: string): JsonSchema => ({
  type: 'array',
  minItems: 1,
  maxItems: SUBSCRIPTION_LIMITS.recipientsPerCall,
  items: schemaRef(items),
  description: `1 to ${SUBSCRIPTION_LIMITS.recipientsPerCall} recipients; one sent twice counts once. An object cannot subscribe to itself.`,
});

const entries = (item: JsonSchema): JsonSchema => ({
  type: 'object',
  properties: {
    subscriptions: {
      type: 'array',
      minItems: 1,
      maxItems: SUBSCRIPTION_LIMITS.bulkEntries,
      description: `1 to ${SUBSCRIPTION_LIMITS.bulkEntries} entries, each an object of the path's collection and its recipients.`,
      items: item,
    },
  },
  required: ['subscriptions'],
  additionalProperties: false,
});

export const SUBSCRIPTION_REQUEST_SCHEMAS: Record<string, JsonSchema> = {
  ObjectReference: {
    type: 'object',
    description: "An object: its collection (1 to 255 letters, digits, `_`, `-` or `.`; `$`-prefixed names are reserved) and its id.",
    properties: { id: idSchema(), collection: { type: 'string', minLength: 1, maxLength: LIMITS.idLength, pattern: PATTERNS.collection } },
    required: ['id', 'collection'],
    additionalProperties: false,
  },
  RecipientReference: {
    description: 'A user id, or an object reference `{ id, collection }`.',
    oneOf: [idSchema('A user id.'), schemaRef('ObjectReference')],
  },
  RecipientRequest: {
    description: 'A user id, a user identified inline (`{ id, ...properties }` as identify takes them, without `collection`), or an object reference `{ id, collection }`.',
    oneOf: [
      idSchema('A user id.'),
      { allOf: [schemaRef('IdentifyUserRequest'), { type: 'object', properties: { id: true }, required: ['id'], not: { properties: { collection: true }, required: ['collection'] } }] },
      schemaRef('ObjectReference'),
    ],
  },
  SubscriptionPropertiesRequest: {
    type: ['object', 'null'],
    description: `The subscription's own properties: they replace those of an existing subscription (null or absent: none). At most ${PROPERTY_LIMITS.perRequest} keys and ${PROPERTY_LIMITS.requestBytes} bytes of JSON, nested at most ${PROPERTY_LIMITS.depth} deep.`,
    maxProperties: PROPERTY_LIMITS.perRequest,
    propertyNames: customPropertyNames(),
    additionalProperties: schemaRef('CustomPropertyValue'),
  },
  AddSubscriptionsRequest: {
    type: 'object',
    properties: { recipients: recipients('RecipientRequest'), properties: schemaRef('SubscriptionPropertiesRequest') },
    required: ['recipients'],
    additionalProperties: false,
  },
  DeleteSubscriptionsRequest: {
    type: 'object',
    properties: { recipients: recipients('RecipientReference') },
    required: ['recipients'],
    additionalProperties: false,
  },
  BulkAddSubscriptionsRequest: entries({
    type: 'object',
    properties: { id: idSchema("The subscribed-to object's id."), recipients: recipients('RecipientRequest'), properties: schemaRef('SubscriptionPropertiesRequest') },
    required: ['id', 'recipients'],
    additionalProperties: false,
  }),
  BulkDeleteSubscriptionsRequest: entries({
    type: 'object',
    properties: { id: idSchema("The subscribed-to object's id."), recipients: recipients('RecipientReference') },
    required: ['id', 'recipients'],
    additionalProperties: false,
  }),
};
