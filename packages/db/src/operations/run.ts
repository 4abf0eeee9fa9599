import type { Database, Queryable } from '../client';
import { KEYS_FROM_ROW_KINDS, kindOf } from '../kinds';
import type { BatchWriter } from '../kinds/kind';
import { claimBulkOperation, claimEnvironmentOperation, claimUnblockedOperation, type ClaimedOperation } from './lifecycle';
import type { BatchResult } from './progress';

/**
 * The worker's front door to the operation machinery: claim, write the next batch, then complete or
 * fail (lifecycle.ts). Claiming finds the operation's kind by its stored id and parses its input with the
 * kind's payload schema, once; a bad one throws an UnrunnableOperationError (kinds/errors.ts). The
 * worker never sees the kinds.
 */

/** Not exported by the package: only writeOperationBatch reaches a claimed operation's writer. */
export const BATCH_WRITER = Symbol('batchWriter');

/** A claimed operation, its input parsed: where it stands, and (hidden) its kind's writer. */
export interface RunningOperation extends ClaimedOperation {
  readonly [BATCH_WRITER]: BatchWriter;
}

export type OperationClaim =
  | { outcome: 'claimed'; operation: RunningOperation }
  | { outcome: 'blocked'; blockedBy: string }
  | { outcome: 'held' }
  | { outcome: 'yield'; environmentId: string }
  | { outcome: 'cancel_requested' }
  | { outcome: 'finished' };

function running(operation: ClaimedOperation): RunningOperation {
  return { ...operation, [BATCH_WRITER]: kindOf(operation).writerFor(operation) };
}

export interface ClaimBy {
  /** The job claiming (its id, an operation id): default the operation's own. */
  owner?: string;
  /** Yield to a less served environment with operations waiting (fair scheduling). */
  fair?: boolean;
}

/**
 * Claims the operation under a lease unless an earlier overlapping one is unfinished (then names it),
 * another job holds it (`held`), or, fair, another environment is less served (`yield`, naming it); in
 * one statement with the ordering check; or says it has already ended.
 */
export async function claimOperation(db: Queryable, id: string, leaseMs: number, by: ClaimBy = {}): Promise<OperationClaim> {
  const claim = await claimUnblockedOperation(db, id, leaseMs, { ...by, keysFromRowKinds: KEYS_FROM_ROW_KINDS });
  return claim.outcome === 'claimed' ? { outcome: 'claimed', operation: running(claim.operation) } : claim;
}

/** Claims for job `owner` the oldest queued operation of an environment that may run now; null if none. */
export async function claimNextOperationOf(db: Queryable, environmentId: string, leaseMs: number, owner: string): Promise<RunningOperation | null> {
  const operation = await claimEnvironmentOperation(db, environmentId, leaseMs, { owner, keysFromRowKinds: KEYS_FROM_ROW_KINDS });
  return operation ? running(operation) : null;
}

/** Takes the operation over again where it stands (another worker moved it on); null once it has ended or another job holds it. */
export async function reclaimOperation(db: Queryable, id: string, leaseMs: number, owner?: string): Promise<RunningOperation | null> {
  const operation = await claimBulkOperation(db, id, leaseMs, { owner, keysFromRowKinds: KEYS_FROM_ROW_KINDS });
  return operation ? running(operation) : null;
}

/** Writes keys [start, start + count) of the operation with its kind's writer, counted once. */
export async function writeOperationBatch(
  db: Database,
  operation: RunningOperation,
  start: number,
  count: number,
  leaseMs: number,
  setsPerRecipient?: number,
): Promise<BatchResult> {
  const keys = operation.keys.slice(start, start + count);
  return operation[BATCH_WRITER](db, { operation, start, count, keys, leaseMs, setsPerRecipient });
}
