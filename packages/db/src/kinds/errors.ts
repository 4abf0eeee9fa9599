import type { FieldError } from '@prefs/core';

/** The stored operation cannot be run, by this attempt or any other: it fails at once. */
export abstract class UnrunnableOperationError extends Error {}

/** No kind carries the operation's stored `kind` id. */
export class UnknownOperationKindError extends UnrunnableOperationError {
  constructor(operation: { id: string; kind: string }) {
    super(`no kind of bulk operation is ${operation.kind} (operation ${operation.id})`);
    this.name = 'UnknownOperationKindError';
  }
}

/** The operation's stored input does not match its kind's payload schema (only a hand-edited row can). */
export class InvalidOperationInputError extends UnrunnableOperationError {
  constructor(
    operationId: string,
    kindId: string,
    readonly errors: FieldError[],
  ) {
    super(`operation ${operationId} (${kindId}) has an invalid input: ${errors.map((error) => error.message).join('; ')}`);
    this.name = 'InvalidOperationInputError';
  }
}
