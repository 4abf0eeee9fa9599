import type { Database } from '../client';
import { kindKey, type ClaimedOperation } from '../operations/lifecycle';
import type { Batch, BatchResult } from '../operations/progress';
import type { OperationKind } from './kind';
import { preferencesMerge } from './preferences-merge';
import { preferencesReplace } from './preferences-replace';
import { tenantsSet } from './tenants-set';
import { usersIdentify } from './users-identify';

export type { OperationKind } from './kind';
export { setPreferencesOperation, type SetPreferencesStoredInput } from './preferences-input';
export { setTenantsOperation } from './tenants-set';
export { identifyUsersOperation } from './users-identify';


/** Every kind of bulk operation, by name and strategy: a new kind is one batch writer added here. */
export const OPERATION_KINDS: readonly OperationKind[] = [preferencesReplace, preferencesMerge, tenantsSet, usersIdentify];

export class UnknownOperationKindError extends Error {
  constructor(operation: Pick<ClaimedOperation, 'id' | 'name' | 'strategy'>) {
    super(`no kind of bulk operation writes ${operation.name}${operation.strategy ? ` (${operation.strategy})` : ''} (operation ${operation.id})`);
  }
}

/** The kind that writes this operation's batches. */
export function operationKind(operation: Pick<ClaimedOperation, 'id' | 'name' | 'strategy'>): OperationKind {
  const kind = OPERATION_KINDS.find((candidate) => candidate.name === operation.name && candidate.strategy === operation.strategy);
  if (!kind) throw new UnknownOperationKindError(operation);
  return kind;
}

/** The kinds whose writers read their keys from the operation's row, as `claimBulkOperation` takes them. */
export const KEYS_FROM_ROW_KINDS: string[] = OPERATION_KINDS.filter((kind) => kind.keysFromRow).map(kindKey);

/** Writes keys [start, start + count) of the operation with its kind's writer, counted once. */
export async function writeOperationBatch(
  db: Database,
  operation: ClaimedOperation,
  start: number,
  count: number,
  leaseMs: number,
  setsPerRecipient?: number,
): Promise<BatchResult> {
  const batch: Batch = { operation, start, count, keys: operation.keys.slice(start, start + count), leaseMs, setsPerRecipient };
  return operationKind(operation).writeBatch(db, batch);
}
