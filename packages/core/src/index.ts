/**
 * What @prefs/core offers the apps, the other packages, the CLI, the bench and the tests; everything else
 * is internal (see README.md). A name is added here when something outside the package uses it.
 */

// The contract: limits, enums and character rules; what every validator returns; JSON narrowing.
export {
  BRANDING_COLOR_FIELDS,
  BRANDING_URL_FIELDS,
  BULK_OPERATION_NAMES,
  BULK_OPERATION_STATUSES,
  CHANNEL_TYPES,
  CONDITION_OPERATORS,
  DEFAULT_SET_ID,
  isIdText,
  LAYOUT_LIMITS,
  LIMITS,
  MAX_BULK_ITEMS,
  MAX_BULK_USERS,
  MAX_EVALUATION_RECIPIENTS,
  MAX_ID_LENGTH,
  MAX_LAYOUT_ROWS,
  MAX_PROPERTIES,
  MAX_PROPERTIES_BYTES,
  MAX_PROPERTY_DEPTH,
  MAX_STORED_PROPERTIES,
  MAX_STORED_PROPERTIES_BYTES,
  MAX_TENANT_NAME_LENGTH,
  MAX_WORKFLOW_CATEGORIES,
  OBJECT_STRING_PROPERTIES,
  PATTERNS,
  PREFERENCE_SET_LIMITS,
  PREFERENCE_SET_TOO_LARGE,
  SET_PREFERENCES_OPERATION,
  USER_STRING_PROPERTIES,
  UUID,
  type BulkOperationStatus,
  type PersistenceStrategy,
} from './contract';
export { type FieldError, type Validated } from './field-errors';
export { isPlainObject, typeName } from './json';

// Preference sets: their shapes and resource, the merge, and the bodies that carry them.
export { toPreferenceSetResource, type PreferenceDocument } from './preference-set';
export { applyPreferences, mergePreferences, replacePreferences } from './merge';
export {
  validateBulkDeleteObjects,
  validateBulkDeleteUsers,
  validateBulkSetPreferences,
  validatePutPreferences,
  validateSetId,
  validateUserId,
  type BulkSetPreferencesInput,
} from './validation';
export { GRANULAR_FIELDS, validateGranularPreferences, type GranularField } from './granular-preferences';
export { resolveTenantPreferenceSet } from './tenant-preference-set';

// The effective set and the evaluation of recipients.
export { computeEffectiveSet } from './effective-set';
export { validateEvaluateRequest, validateTraceFlag, type EvaluateInput, type EvaluationRecipient } from './evaluation-input';
export { evaluateRecipients, recipientEvaluator, type RecipientLayers, type StoredRecipient, type StoredTenant } from './evaluate-recipients';

// Recipients, users, tenants, their custom properties and channel data.
export { isUser, recipientKey, TENANTS_COLLECTION, userRecipient, USERS_COLLECTION, validateCollection, validateRecipientId, validateRecipientReference, type RecipientReference } from './recipient-reference';
export { toUserResource, type RecipientRecord, type UserRecord } from './user';
export { toObjectResource, type ObjectRecord } from './object';
export { INLINE_FIELDS } from './inline-recipient-data';
export { validateMergeUserRequest, validateObjectInput, validateUserInput, type ObjectInput, type RecipientInput, type UserInput } from './user-input';
export {
  MAX_SUBSCRIPTION_RECIPIENTS,
  toSubscriptionResource,
  validateAddSubscriptionsRequest,
  validateBulkAddSubscriptions,
  validateBulkDeleteSubscriptions,
  validateDeleteSubscriptionsRequest,
  type AddSubscriptionsInput,
  type BulkAddSubscriptionsEntry,
  type BulkDeleteSubscriptionsEntry,
  type SubscriptionRecord,
} from './subscriptions';
export { toTenantResource, type TenantRecord } from './tenant';
export { validateTenantInput, type TenantBranding, type TenantInput } from './tenant-input';
export { imageSourceOf } from './image-source';
export { isStorableText, mergeProperties, StoredPropertiesLimitError, withinStoredLimits, type JsonValue } from './custom-properties';
export { CHANNEL_DATA_MAX_BYTES, channelDataAsAnswered, uniteChannelData, validateChannelDataRequest, validateChannelId, type ChannelDataValue } from './channel-data';
export { MAX_AUDIENCE_MEMBERS, validateAudienceKey, validateAudienceMembersRequest, type AudienceMemberInput } from './audience-members';

// Bulk operations: names, statuses and strategies, the resource, and the bodies of the bulk identities.
export {
  BULK_OPERATION_FAILURE_REASONS,
  BULK_OPERATION_ITEM_STATUSES,
  BULK_OPERATIONS,
  ERROR_ITEM_REASONS,
  type BulkOperationErrorItem,
  type BulkOperationFailureReason,
  type BulkOperationItem,
  type BulkOperationItemStatus,
  type BulkOperationName,
  type BulkOperationResource,
  type StoredErrorItem,
} from './bulk-operation';
export { validateBulkDeleteTenants, validateBulkIdentifyUsers, validateBulkSetObjects, validateBulkSetTenants } from './bulk-identities';

// The preference center: its layout, links and unsubscribes, the page's model, and Knock's config of it.
export {
  parseRowKey,
  unsubscribePatch,
  validateLinkRequest,
  validatePreferenceCenterLayout,
  type LinkRequest,
  type PreferenceCenterLayout,
} from './preference-center';
export {
  buildPreferenceCenterView,
  defaultPreferenceCenterLayout,
  preferencePatchFromChanges,
  type PreferenceCenterRowView,
  type PreferenceCenterView,
  type PreferenceToggle,
  type ToggleChange,
} from './preference-center-view';
export { toKnockPreferenceCenterConfig } from './knock-preference-center-config';

// The request bodies as JSON Schema, for the OpenAPI document.
export { idSchema, keySchema, REQUEST_SCHEMAS } from './request-schemas';
export { ENTITY_REQUEST_SCHEMAS } from './entity-request-schemas';
export { SUBSCRIPTION_REQUEST_SCHEMAS } from './subscription-request-schemas';

// Webhooks: the events, the endpoints' bodies, the retry schedule and the addresses refused.
export {
  validateWebhookEndpointInput,
  validateWebhookEndpointPatch,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_LIMITS,
  WEBHOOK_URL_PATTERN,
  webhookRetryDelayMs,
  type WebhookDeliveryStatus,
  type WebhookEndpointInput,
  type WebhookEndpointPatch,
  type WebhookEventType,
} from './webhooks';
export { webhookAddressRefusal } from './webhook-addresses';
