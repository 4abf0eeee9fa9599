import type { OperationKind } from './kind';
import { preferencesMerge } from './preferences-merge';
import { preferencesReplace } from './preferences-replace';
import { tenantsDelete } from './tenants-delete';
import { tenantsSet } from './tenants-set';
import { usersDelete } from './users-delete';
import { usersIdentify } from './users-identify';
import { objectsDelete } from './objects-delete';
import { objectsSet } from './objects-set';
import { objectsAddSubscriptions } from './objects-add-subscriptions';
import { objectsDeleteSubscriptions } from './objects-delete-subscriptions';
import { UnknownOperationKindError } from './errors';

/**
 * The registry of bulk operation kinds, known only inside this package: the worker reaches it through
 * operations/run.ts. A new kind is one file (defineOperationKind: id, payload schema, batch writer)
 * listed here.
 */
export const OPERATION_KINDS: readonly OperationKind[] = [preferencesReplace, preferencesMerge, tenantsSet, usersIdentify, usersDelete, tenantsDelete, objectsSet, objectsDelete, objectsAddSubscriptions, objectsDeleteSubscriptions];

const BY_ID = new Map(OPERATION_KINDS.map((kind) => [kind.id, kind]));

/** The kind that writes this operation's batches. */
export function kindOf(operation: { id: string; kind: string }): OperationKind {
  const kind = BY_ID.get(operation.kind);
  if (!kind) throw new UnknownOperationKindError(operation);
  return kind;
}

/** The ids of the kinds whose writers read their keys from the operation's row: the claim leaves them out. */
export const KEYS_FROM_ROW_KINDS: string[] = OPERATION_KINDS.filter((kind) => kind.keysFromRow).map((kind) => kind.id);
