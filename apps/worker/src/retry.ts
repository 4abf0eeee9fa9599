import { describeError, isTransientError } from '@prefs/db';

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * A database call failed in a way that retrying cannot mend (a bug, bad stored data, a constraint):
 * the operation fails at once instead of being tried for minutes.
 */
export class PermanentOperationError extends Error {
  override readonly name = 'PermanentOperationError';
  constructor(override readonly cause: unknown) {
    super(describeError(cause));
  }
}

/**
 * Retries a database call with exponential backoff (100 ms, 200 ms, 400 ms, ...) while its error is
 * transient (`isTransientError`), so that a dropped connection or a PostgreSQL restart costs a pause
 * rather than the job's attempt; any other error is thrown at once as a PermanentOperationError. Each
 * call it retries is a whole transaction guarded by the operation's progress, so running it again is safe.
 */
export async function retryTransient<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 6;
  const baseDelayMs = options.baseDelayMs ?? 100;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!isTransientError(error)) throw new PermanentOperationError(error);
      if (attempt >= attempts) throw error;
      options.onRetry?.(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** (attempt - 1)));
    }
  }
}
