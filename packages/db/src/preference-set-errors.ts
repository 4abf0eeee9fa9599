import { PREFERENCE_SET_LIMITS } from '@prefs/core';

/** A write that would store a set over `PREFERENCE_SET_LIMITS.bytes` (the `preference_sets_size` check). */
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

/** The CHECK constraint that holds stored sets to their size limit (migration 20261202110000). */
export const PREFERENCE_SET_SIZE_CHECK = 'preference_sets_size';

/** What a bulk write that would create a set past the recipient's limit fails with (migration 20261203120000). */
export const PREFERENCE_SETS_PER_RECIPIENT_CHECK = 'preference_sets_per_recipient';

/** True when `error` (from Prisma, its adapter or pg) is PostgreSQL refusing a row by `constraint`. */
export function violatesConstraint(error: unknown, constraint: string): boolean {
  for (let current: unknown = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; depth += 1) {
    const candidate = current as { message?: unknown; constraint?: unknown; meta?: { driverAdapterError?: { cause?: unknown } }; cause?: unknown };
    if (candidate.constraint === constraint) return true;
    if (typeof candidate.message === 'string' && candidate.message.includes(`"${constraint}"`)) return true;
    const adapterCause = candidate.meta?.driverAdapterError?.cause as { originalMessage?: unknown; constraint?: unknown } | undefined;
    if (adapterCause && (adapterCause.constraint === constraint || (typeof adapterCause.originalMessage === 'string' && adapterCause.originalMessage.includes(`"${constraint}"`)))) return true;
    current = candidate.cause ?? adapterCause;
  }
  return false;
}
