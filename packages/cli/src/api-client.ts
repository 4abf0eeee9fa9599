/**
 * A small client for the prefs API over Node's fetch. Every call is retried where a retry is safe:
 * 429 waits the server's `Retry-After`; 5xx and network failures back off exponentially (with jitter).
 * A POST is only retried with an Idempotency-Key, so that a retry can never create a second operation.
 */

export interface ApiClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Retries after a 5xx or a network failure, per call. */
  maxRetries: number;
  /** 429 answers waited out per call before giving up. */
  maxRateLimitWaits?: number;
  requestTimeoutMs?: number;
  /** Told about each wait, e.g. to show "rate limited" next to the progress bar. */
  onRetry?: (retry: RetryNotice) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface RetryNotice {
  reason: 'rate_limited' | 'server_error' | 'network_error';
  waitMs: number;
  attempt: number;
  detail: string;
}

/** The API answered with an error that retrying will not fix (or retries ran out). */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** `errors` of a 422: one per bad field. */
    readonly fieldErrors: { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** The API could not be reached at all (after the retries). */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 10_000;

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  // "Equal jitter": at least half the ceiling, so that retries of many clients spread out but still back off.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `Retry-After` is either seconds or an HTTP date (RFC 9110); null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'the request timed out';
  // fetch wraps the socket error: "fetch failed" with the real reason in `cause`.
  const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}

interface ErrorBody {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

async function readErrorBody(response: Response): Promise<ApiRequestError> {
  const text = await response.text().catch(() => '');
  let parsed: ErrorBody = {};
  try {
    parsed = JSON.parse(text) as ErrorBody;
  } catch {
    // Not our JSON error shape (a proxy's HTML page, say): show the start of it.
  }
  const code = typeof parsed.code === 'string' ? parsed.code : `http_${response.status}`;
  const message = typeof parsed.message === 'string' ? parsed.message : text.slice(0, 200) || response.statusText;
  const fieldErrors = Array.isArray(parsed.errors)
    ? parsed.errors.map((item: { field?: unknown; message?: unknown }) => ({ field: String(item.field ?? ''), message: String(item.message ?? '') }))
    : [];
  return new ApiRequestError(response.status, code, message, fieldErrors);
}

export interface RequestOptions {
  body?: unknown;
  idempotencyKey?: string;
  query?: Record<string, string | number | undefined>;
}

export class ApiClient {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ApiClientOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The same client, telling `onRetry` about every wait. */
  withRetryListener(onRetry: (retry: RetryNotice) => void): ApiClient {
    return new ApiClient({ ...this.options, onRetry });
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  async request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, request: RequestOptions = {}): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.options.apiKey}`,
      Accept: 'application/json',
      'User-Agent': 'prefs-cli',
    };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    if (request.idempotencyKey) headers['Idempotency-Key'] = request.idempotencyKey;
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const retrySafe = method === 'GET' || request.idempotencyKey !== undefined;
    const maxRateLimitWaits = this.options.maxRateLimitWaits ?? 120;

    let failures = 0;
    let rateLimitWaits = 0;
    for (;;) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 30_000),
        });
      } catch (error) {
        const detail = describeNetworkError(error);
        if (!retrySafe || failures >= this.options.maxRetries) {
          throw new NetworkError(`could not reach ${this.options.baseUrl} (${detail})${failures > 0 ? ` after ${failures + 1} attempts` : ''}`);
        }
        await this.wait({ reason: 'network_error', waitMs: backoffDelay(failures), attempt: failures + 1, detail });
        failures += 1;
        continue;
      }

      if (response.ok) {
        if (response.status === 204) return undefined as T;
        return (await response.json()) as T;
      }
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      if (response.status === 429 && retrySafe && rateLimitWaits < maxRateLimitWaits) {
        await response.body?.cancel();
        rateLimitWaits += 1;
        await this.wait({ reason: 'rate_limited', waitMs: retryAfterMs ?? 1000, attempt: rateLimitWaits, detail: '429' });
        continue;
      }
      if (response.status >= 500 && retrySafe && failures < this.options.maxRetries) {
        const error = await readErrorBody(response);
        const waitMs = Math.max(retryAfterMs ?? 0, backoffDelay(failures));
        await this.wait({ reason: 'server_error', waitMs, attempt: failures + 1, detail: `${response.status} ${error.code}` });
        failures += 1;
        continue;
      }
      throw await readErrorBody(response);
    }
  }

  private async wait(notice: RetryNotice): Promise<void> {
    this.options.onRetry?.(notice);
    await this.sleep(notice.waitMs);
  }
}
