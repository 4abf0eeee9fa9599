import { PREFERENCE_SET_LIMITS, type RecipientReference } from '@prefs/core';
import { driverCause, wrapped } from './transient-errors';

/** A write that would store a set over `PREFERENCE_SET_LIMITS.bytes` (the `preference_sets_size` trigger). */
export class PreferenceSetTooLargeError extends Error {
  override readonly name = 'PreferenceSetTooLargeError';
  constructor() {
    super(`the preference set would be larger than ${PREFERENCE_SET_LIMITS.bytes} bytes`);
  }
}

/** A new set for a recipient already holding `limit` of them. */
export class PreferenceSetLimitError extends Error {
  override readonly name = 'PreferenceSetLimitError';
  constructor(readonly limit: number) {
    super(`the recipient already holds ${limit} preference sets`);
  }
}

/** One inline set refused for a stored limit: its size (`setId` names it) or the recipient's count of sets. */
export interface InlineSetRefusal {
  recipient: RecipientReference;
  /** The set too large once merged; null for a refusal of the count. */
  setId: string | null;
  limit: 'size' | 'sets';
}

/**
 * Inline preferences (identify, set, their bulk kinds) refused for a stored limit. The write that threw
 * it may have written part of them: its caller rolls back (the transaction, or a savepoint).
 */
export class InlineSetsRefusedError extends Error {
  override readonly name = 'InlineSetsRefusedError';
  constructor(
    readonly refusals: InlineSetRefusal[],
    /** The count limit that was applied, for the refusals of `sets`. */
    readonly setsPerRecipient: number | null,
  ) {
    super(`inline preference sets refused for ${refusals.map((refusal) => `${refusal.recipient.id}: ${refusal.limit}`).join(', ')}`);
  }
}

/**
 * What holds stored sets to their size limit: a CHECK constraint (migration 20261202110000), since
 * 20261204170000 a trigger refusing with the CHECK's name and SQLSTATE, so that unsubscribes may pass it.
 */
export const PREFERENCE_SET_SIZE_CHECK = 'preference_sets_size';

/** What a bulk write that would create a set past the recipient's limit fails with (migration 20261203120000). */
export const PREFERENCE_SETS_PER_RECIPIENT_CHECK = 'preference_sets_per_recipient';

/** True when `error` (from Prisma, its adapter or pg) is PostgreSQL refusing a row by `constraint`. */
export function violatesConstraint(error: unknown, constraint: string): boolean {
  const names = (candidate: { constraint?: unknown }, message: unknown) =>
    candidate.constraint === constraint || (typeof message === 'string' && message.includes(`"${constraint}"`));
  let current = typeof error === 'object' && error !== null ? error : null;
  for (let depth = 0; current !== null && depth < 5; depth += 1) {
    if (names(current, (current as { message?: unknown }).message)) return true;
    const cause = driverCause(current);
    if (cause && names(cause, cause.originalMessage)) return true;
    current = wrapped(current) ?? cause;
  }
  return false;
}
