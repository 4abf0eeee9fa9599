/**
 * What @prefs/db offers the apps, the CLI, the bench and the tests; everything else is internal (see
 * README.md). A name is added here when something outside the package uses it.
 */

// Connection and schema.
export { createDatabase, type Database } from './client';
export { dropDatabase, ensureDatabase, runMigrations } from './migrate';
export type { KeysetPosition } from './keyset-page';
export { describeError, isServerLostError, isTransientError } from './transient-errors';

// API keys, signing keys and link secrets.
export {
  createApiKey,
  createSecretKey,
  ensureApiKey,
  ensureSecretKey,
  findApiKeyByHash,
  findEnvironmentBySecretKey,
  generateApiKey,
  generateSecretKey,
  hashSecretKey,
  keyPrefixOf,
  listApiKeys,
  revokeApiKey,
  touchApiKeys,
  type ApiKeyKind,
  type ApiKeyRecord,
  type KeyOwner,
} from './api-keys';
export { createSigningKey, findActiveSigningKeys, listSigningKeys, revokeSigningKey } from './signing-keys';
export { currentLinkSecret, findEnvironmentId, findLinkSecret, listLinkSecrets, retireLinkSecrets, rotateLinkSecret } from './link-secrets';

// Recipients, tenants and their preferences.
export { deletePreferenceSet, getDefaultSets, getPreferenceSet, listPreferenceSets, putPreferenceSet } from './preference-sets';
export { InlineSetsRefusedError, PreferenceSetLimitError, PreferenceSetTooLargeError } from './preference-set-errors';
export { getEnvironmentDefaults, putEnvironmentDefaults } from './environment-defaults';
export { deleteUser, getUser, identifyUser, listUsers } from './users';
export { mergeUsers } from './merge-users';
export { getObject, listObjects, setObject } from './objects';
export { deleteObject } from './recipient-deletes';
export { getTenant, listTenants, setTenant, type TenantPosition } from './tenants';
export { deleteTenant } from './tenant-deletes';
export { readEvaluationInputs, readEvaluationInputsChunk, type EvaluationInputsChunk } from './evaluation-inputs';
export { getChannelData, setChannelData, unsetChannelData, type StoredChannelData } from './channel-data';
export { addSubscriptions, deleteSubscriptions, listSubscriptions, type SubscriptionSide } from './subscriptions';
export { addAudienceMembers, listAudienceMembers, removeAudienceMembers, type AudienceMemberPosition } from './audiences';
export { getPreferenceCenterLayout, putPreferenceCenterLayout, type StoredPreferenceCenterLayout } from './preference-center-layouts';
export { listUnsubscribes, recordUnsubscribe, savePreferenceCenter, type UnsubscribePosition, type UnsubscribeRecord } from './unsubscribes';
export { compileMerge } from './merge-sql';

// Bulk operations: recorded by the API (one constructor per kind), run by the worker, read by both.
export { createBulkOperation, IdempotencyKeyReusedError, type NewBulkOperation } from './operations/create';
export { setPreferencesOperation } from './kinds/preferences-operation';
export { setTenantsOperation } from './kinds/tenants-set';
export { identifyUsersOperation } from './kinds/users-identify';
export { deleteUsersOperation } from './kinds/users-delete';
export { deleteTenantsOperation } from './kinds/tenants-delete';
export { setObjectsOperation } from './kinds/objects-set';
export { deleteObjectsOperation } from './kinds/objects-delete';
export { addSubscriptionsOperation } from './kinds/objects-add-subscriptions';
export { deleteSubscriptionsOperation } from './kinds/objects-delete-subscriptions';
export { claimOperation, reclaimOperation, writeOperationBatch, type RunningOperation } from './operations/run';
export { completeBulkOperation, failBulkOperation, findBlockingOperation, findStrandedOperations } from './operations/lifecycle';
export { UnrunnableOperationError } from './kinds/errors';
export { DATABASE_LOST_DURING_BATCH, recordLostBatch } from './operations/lost-batches';
export { getBulkOperation, listBulkOperations, type BulkOperationPosition } from './operations/list';
export { pruneOperationInputs } from './operations/retention';

// Webhooks: endpoints (the API), the outbox (written with each change), deliveries (the workers).
export {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
} from './webhooks/endpoints';
export {
  findEndpointsWithDueDeliveries,
  getWebhookTarget,
  listWebhookDeliveries,
  recordWebhookAttempts,
  releaseWebhookDeliveries,
  retryWebhookDelivery,
  takeDueDeliveries,
  type AttemptOutcome,
  type DueDelivery,
  type RecordedAttempt,
  type WebhookDelivery,
  type WebhookTarget,
} from './webhooks/deliveries';
export { webhookEventBody } from './webhooks/events';
export type { ChangeSource } from './webhooks/outbox';
