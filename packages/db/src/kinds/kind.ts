import type { BulkOperationName, PersistenceStrategy } from '@prefs/core';
import type { Database } from '../client';
import type { ClaimedOperation } from '../operations/lifecycle';
import type { Batch, BatchResult } from '../operations/progress';
import { InvalidOperationInputError } from './errors';
import type { PayloadSchema } from './payload';

/**
 * What one kind of bulk operation supplies: its id, its payload schema and how one batch is written.
 * Recording, enqueueing, claiming, ordering, batching, retrying and reporting are the same for every
 * kind (operations/, and the worker's operation job); the kind writes keys [start, start + n) through
 * `writeBatchStatement` or `writeBatchInTransaction`, which commit its writes together with the batch's
 * guarded progress.
 */
export interface OperationKindDefinition<Input> {
  /** Stored in the operation's `kind` column: never renamed once operations carry it. */
  id: string;
  /** Knock's name of the operation, as the API shows it. */
  name: BulkOperationName;
  /** Set for preference writes (two kinds share the name), null otherwise. */
  strategy: PersistenceStrategy | null;
  /**
   * The writer reads its batch's keys from the operation's row (`keys[start+1:start+count]`) in SQL, so
   * the worker never loads them (`batch.keys` is empty).
   */
  keysFromRow?: boolean;
  /** Parses the stored input; run once per claim, before any batch. */
  payload: PayloadSchema<Input>;
  writeBatch(db: Database, batch: Batch, input: Input): Promise<BatchResult>;
}

/** Writes one batch of an operation whose input has been parsed. */
export type BatchWriter = (db: Database, batch: Batch) => Promise<BatchResult>;

/** What an operation records of its kind. */
export type OperationKindIdentity = Pick<OperationKind, 'id' | 'name' | 'strategy'>;

/** A kind as the machinery holds it: its input's type stays inside `writerFor`. */
export interface OperationKind {
  id: string;
  name: BulkOperationName;
  strategy: PersistenceStrategy | null;
  keysFromRow: boolean;
  /** Parses the operation's stored input once; throws InvalidOperationInputError for a bad one. */
  writerFor(operation: ClaimedOperation): BatchWriter;
}

export function defineOperationKind<Input>(definition: OperationKindDefinition<Input>): OperationKind {
  return {
    id: definition.id,
    name: definition.name,
    strategy: definition.strategy,
    keysFromRow: definition.keysFromRow ?? false,
    writerFor(operation) {
      const parsed = definition.payload(operation.input);
      if (!parsed.ok) throw new InvalidOperationInputError(operation.id, definition.id, parsed.errors);
      const input = parsed.value;
      return (db, batch) => definition.writeBatch(db, batch, input);
    },
  };
}
