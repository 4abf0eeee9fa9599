import { randomUUID } from 'node:crypto';
import { MAX_BULK_USERS, validateBulkSetPreferences, type BulkOperationResource } from '@prefs/core';
import { ApiClient, ApiRequestError, NetworkError, type RetryNotice } from './api-client';
import { createProgressView, formatCount, formatDuration, type ProgressSnapshot, type ProgressView } from './progress';
import { chunk, InputError, readJsonFile, readUserIds } from './users-file';

export interface BulkSetOptions {
  usersFile: string;
  preferencesFile: string;
  merge: boolean;
  setId?: string;
  client: ApiClient;
  out: NodeJS.WritableStream;
  interactive: boolean;
  pollIntervalMs: number;
  /** Polls in flight at once (each is one GET, rate tier 4). */
  pollConcurrency?: number;
  /** Operations polled per round at most. */
  pollBatch?: number;
  /** Give up waiting after this long (0: wait until every operation ends). */
  timeoutMs: number;
}

/** One group of at most 1,000 users: one bulk operation. */
interface Part {
  index: number;
  userIds: string[];
  /** Sent on every attempt of this part's POST: a retried POST returns the first one's operation. */
  idempotencyKey: string;
  operation?: BulkOperationResource;
  /** Why it was never accepted, or why following it stopped. */
  problem?: string;
}

const TERMINAL = new Set(['completed', 'failed']);

function isEnded(part: Part): boolean {
  return part.problem !== undefined || (part.operation !== undefined && TERMINAL.has(part.operation.status));
}

/** Reads the preference set to send and applies --merge and --set; checks it like the API would. */
export async function readPreferences(file: string, merge: boolean, setId: string | undefined): Promise<Record<string, unknown>> {
  const parsed = await readJsonFile(file, 'preferences file');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError(`preferences file ${file}: expected a JSON object (a preference set), got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  }
  const preferences: Record<string, unknown> = { ...(parsed as Record<string, unknown>) };
  delete preferences.__typename; // a set read back from the API may be used as the template
  if (merge) preferences.__persistence_strategy__ = 'merge';
  if (setId !== undefined) preferences.id = setId;
  const checked = validateBulkSetPreferences({ user_ids: ['check'], preferences });
  if (!checked.ok) {
    const lines = checked.errors.map((error) => `  ${error.field}: ${error.message}`);
    throw new InputError(`preferences file ${file}: the preference set is not valid:\n${lines.join('\n')}`);
  }
  return preferences;
}

export interface BulkSetResult {
  exitCode: number;
  operations: BulkOperationResource[];
}

/**
 * `prefs bulk-set`: submits the file's users in operations of at most 1,000, one after another
 * (the endpoint's rate tier is 1 request per second by default), while polling every submitted
 * operation until each has ended; then prints a summary.
 */
export async function bulkSet(options: BulkSetOptions, signal?: AbortSignal): Promise<BulkSetResult> {
  const { out, client } = options;
  const startedAt = Date.now();
  const preferences = await readPreferences(options.preferencesFile, options.merge, options.setId);
  const users = await readUserIds(options.usersFile);
  const runId = randomUUID();
  const parts: Part[] = chunk(users.ids, MAX_BULK_USERS).map((userIds, index) => ({
    index,
    userIds,
    idempotencyKey: `prefs-cli:${runId}:${index}`,
  }));
  const strategy = preferences.__persistence_strategy__ === 'merge' ? 'merge' : 'replace';
  const setId = typeof preferences.id === 'string' ? preferences.id : 'default';
  out.write(
    `Setting preferences (${strategy}, set "${setId}") for ${formatCount(users.ids.length)} users in ${parts.length} operation${parts.length === 1 ? '' : 's'}` +
      `${users.duplicates > 0 ? ` (${formatCount(users.duplicates)} duplicate ids skipped)` : ''}\n`,
  );

  let note: string | undefined;
  let noteUntil = 0;
  const retries = { rateLimited: 0, failed: 0 };
  const onRetry = (retry: RetryNotice) => {
    if (retry.reason === 'rate_limited') retries.rateLimited += 1;
    else retries.failed += 1;
    const wait = `${(retry.waitMs / 1000).toFixed(1)}s`;
    note = retry.reason === 'rate_limited' ? `rate limited, retrying in ${wait}` : `${retry.detail}, retrying in ${wait}`;
    noteUntil = Date.now() + retry.waitMs + 1000;
  };
  const retryingClient = client.withRetryListener(onRetry);
  const view: ProgressView = createProgressView(out, { interactive: options.interactive });
  const snapshot = (): ProgressSnapshot => {
    let processedUsers = 0;
    let failedUsers = 0;
    let ended = 0;
    let failedOperations = 0;
    for (const part of parts) {
      processedUsers += part.operation?.processed_rows ?? 0;
      failedUsers += part.operation?.error_count ?? 0;
      if (isEnded(part)) ended += 1;
      if (part.problem !== undefined || part.operation?.status === 'failed') failedOperations += 1;
    }
    return {
      totalUsers: users.ids.length,
      processedUsers,
      failedUsers,
      operations: parts.length,
      submitted: parts.filter((part) => part.operation !== undefined).length,
      ended,
      failedOperations,
      note: Date.now() < noteUntil ? note : undefined,
      elapsedMs: Date.now() - startedAt,
    };
  };

  let submitting = true;
  const submitAll = async () => {
    try {
      for (const part of parts) {
        if (signal?.aborted) return;
        try {
          part.operation = await retryingClient.request<BulkOperationResource>('POST', '/v1/users/bulk/preferences', {
            body: { user_ids: part.userIds, preferences },
            idempotencyKey: part.idempotencyKey,
          });
        } catch (error) {
          // The same body goes to every part: a refusal (bad key, invalid set) or an unreachable API
          // would refuse the rest as well, so stop submitting and report them as not submitted.
          part.problem = `not accepted: ${describeError(error)}`;
          for (const later of parts.slice(part.index + 1)) later.problem = `not submitted: operation ${part.index + 1} was not accepted`;
          view.log(`error: operation ${part.index + 1} of ${parts.length} was not accepted: ${describeError(error)}`);
          return;
        }
      }
    } finally {
      submitting = false;
    }
  };

  const pollOnce = async () => {
    // The oldest unfinished operations first, a bounded number per round: with a million users there
    // are a thousand operations, most of them queued behind the others.
    const pending = parts.filter((part) => part.operation !== undefined && !isEnded(part)).slice(0, options.pollBatch ?? 100);
    const concurrency = options.pollConcurrency ?? 4;
    let next = 0;
    const pollWorker = async () => {
      while (next < pending.length && !signal?.aborted) {
        const part = pending[next];
        next += 1;
        const id = (part.operation as BulkOperationResource).id;
        try {
          part.operation = await retryingClient.request<BulkOperationResource>('GET', `/v1/bulk_operations/${encodeURIComponent(id)}`);
        } catch (error) {
          if (error instanceof ApiRequestError && error.status !== 429 && error.status < 500) {
            part.problem = `could not be followed: ${describeError(error)}`;
          }
          // A network failure after retries: try again next round.
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, pollWorker));
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });

  const submission = submitAll();
  let timedOut = false;
  const ticker = setInterval(() => view.update(snapshot()), options.interactive ? 200 : 1000);
  try {
    for (;;) {
      await pollOnce();
      view.update(snapshot());
      if (!submitting && parts.every(isEnded)) break;
      if (signal?.aborted) break;
      if (options.timeoutMs > 0 && Date.now() - startedAt > options.timeoutMs) {
        timedOut = true;
        break;
      }
      await sleep(options.pollIntervalMs);
    }
    await submission;
  } finally {
    clearInterval(ticker);
  }
  const final = snapshot();
  view.finish({ ...final, note: undefined });

  if (signal?.aborted || timedOut) {
    const submitted = parts.filter((part) => part.operation !== undefined && !isEnded(part));
    out.write(`\n${timedOut ? `Timed out after ${formatDuration(options.timeoutMs)}` : 'Interrupted'}: operations already accepted keep running on the server.\n`);
    if (submitted.length > 0) {
      out.write('Follow the unfinished ones with `prefs ops get ID`:\n');
      for (const part of submitted) out.write(`  ${(part.operation as BulkOperationResource).id}  ${part.operation?.status}\n`);
    }
    return { exitCode: signal?.aborted ? 130 : 1, operations: collectOperations(parts) };
  }
  const exitCode = printSummary(out, parts, users.ids.length, Date.now() - startedAt, retries);
  return { exitCode, operations: collectOperations(parts) };
}

function collectOperations(parts: Part[]): BulkOperationResource[] {
  return parts.flatMap((part) => (part.operation ? [part.operation] : []));
}

function describeError(error: unknown): string {
  if (error instanceof ApiRequestError) {
    const fields = error.fieldErrors.map((field) => `\n    ${field.field}: ${field.message}`).join('');
    return `${error.status} ${error.code}: ${error.message}${fields}`;
  }
  if (error instanceof NetworkError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

function userRange(part: Part): string {
  const first = part.index * MAX_BULK_USERS + 1;
  return `users ${formatCount(first)}-${formatCount(first + part.userIds.length - 1)}`;
}

/** Prints what happened; returns the exit code: 0 only when every user of every operation succeeded. */
function printSummary(
  out: NodeJS.WritableStream,
  parts: Part[],
  totalUsers: number,
  elapsedMs: number,
  retries: { rateLimited: number; failed: number },
): number {
  const completed = parts.filter((part) => part.problem === undefined && part.operation?.status === 'completed');
  const failedParts = parts.filter((part) => !completed.includes(part));
  const succeeded = parts.reduce((sum, part) => sum + (part.operation?.success_count ?? 0), 0);
  const failedIds = parts.flatMap((part) => part.operation?.error_items.map((item) => item.id) ?? []);
  const notWritten = totalUsers - succeeded - failedIds.length;

  out.write(`\nSummary (${formatDuration(elapsedMs)}):\n`);
  out.write(`  operations: ${parts.length} total, ${completed.length} completed, ${failedParts.length} failed or not submitted\n`);
  out.write(`  users:      ${formatCount(totalUsers)} total, ${formatCount(succeeded)} succeeded, ${formatCount(failedIds.length)} failed`);
  out.write(notWritten > 0 ? `, ${formatCount(notWritten)} not written\n` : '\n');
  if (retries.rateLimited + retries.failed > 0) {
    out.write(`  retries:    ${retries.rateLimited} after 429 (waited Retry-After), ${retries.failed} after 5xx or network errors\n`);
  }
  if (failedIds.length > 0) {
    out.write(`\nFailed user ids (${formatCount(failedIds.length)}):\n`);
    for (const id of failedIds) out.write(`  ${id}\n`);
  }
  if (failedParts.length > 0) {
    out.write(`\nFailed operations (${failedParts.length}):\n`);
    for (const part of failedParts) {
      const what = part.operation ? `operation ${part.operation.id} (${part.operation.status})` : 'no operation';
      out.write(`  ${part.index + 1}. ${userRange(part)}: ${what}${part.problem ? `: ${part.problem}` : ''}\n`);
    }
  }
  return failedIds.length === 0 && failedParts.length === 0 ? 0 : 1;
}
