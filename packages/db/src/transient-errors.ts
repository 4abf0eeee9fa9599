/**
 * Whether an error is transient: the same call may succeed if made again shortly (a lost connection,
 * a serialization failure or deadlock, PostgreSQL starting or shutting down, a busy pool). The API
 * answers 503 for these, and the workers retry them; anything else is permanent (a bug, bad data, a
 * constraint): retrying it only repeats it, so an operation failing that way fails at once.
 */

/** SQLSTATE classes and codes worth another try. */
const TRANSIENT_SQLSTATE_CLASSES = ['08']; // connection exception
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53300', // too_many_connections
  '55P03', // lock_not_available
  '57P01', // admin_shutdown (also pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, or in recovery
]);

/** Kinds of @prisma/adapter-pg's DriverAdapterError that mean "the connection, not the statement". */
const TRANSIENT_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionWriteConflict', // 40001 and 40P01
  'TransactionAlreadyClosed',
]);

/**
 * Prisma's own codes: P1001 cannot reach, P1002 timed out, P1008 operation timed out, P1017 server
 * closed the connection, P2024 no pooled connection in time, P2028 the interactive transaction was
 * closed or expired (it rolled back, so running it again is safe).
 */
const TRANSIENT_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);

/** Node's socket errors, and the connection messages of node-postgres and ioredis. */
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const TRANSIENT_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|terminating connection|the database system is (starting up|shutting down|in recovery)|Can't reach database|Connection is closed|Client has encountered a connection error/i;

function sqlstateIsTransient(code: string): boolean {
  return TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SQLSTATE_CLASSES.includes(code.slice(0, 2));
}

/** What marks an error as one of a family, wherever the driver, the adapter or Prisma put it. */
interface ErrorSignals {
  sqlstate: (code: string) => boolean;
  adapterKinds: ReadonlySet<string>;
  prismaCodes: ReadonlySet<string>;
  nodeCodes: ReadonlySet<string>;
  messages: RegExp;
}

const TRANSIENT: ErrorSignals = {
  sqlstate: sqlstateIsTransient,
  adapterKinds: TRANSIENT_ADAPTER_KINDS,
  prismaCodes: TRANSIENT_PRISMA_CODES,
  nodeCodes: TRANSIENT_NODE_CODES,
  messages: TRANSIENT_MESSAGES,
};

/**
 * The server went away under a running statement (crash, OOM kill, admin shutdown or
 * pg_terminate_backend), or the connection closed mid-statement: a subset of the transient errors.
 * Not a refused connection, a busy pool or a conflict: those say nothing about the statement.
 */
const SERVER_LOST: ErrorSignals = {
  sqlstate: (code) => ['57P01', '57P02', '57P03'].includes(code),
  adapterKinds: new Set(['ConnectionClosed']),
  prismaCodes: new Set(['P1017']),
  nodeCodes: new Set(['ECONNRESET', 'EPIPE']),
  messages: /Connection terminated unexpectedly|terminating connection|server closed the connection unexpectedly/i,
};

export interface DriverCause {
  kind?: string;
  code?: string;
  originalCode?: string;
  message?: string;
  originalMessage?: string;
  constraint?: unknown;
}

/** The driver's description of the failure, when Prisma (or the adapter itself) reports one. */
export function driverCause(error: object): DriverCause | null {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: unknown } } }).meta;
  let cause = meta?.driverAdapterError?.cause;
  if (cause === undefined && (error as { name?: unknown }).name === 'DriverAdapterError') cause = (error as { cause?: unknown }).cause;
  return typeof cause === 'object' && cause !== null ? (cause as DriverCause) : null;
}

/** The error another one wraps (`new Error(message, { cause })`), if any. */
export function wrapped(error: object): object | null {
  const cause = (error as { cause?: unknown }).cause;
  return typeof cause === 'object' && cause !== null && cause !== error ? cause : null;
}

function hasSignal(error: unknown, signals: ErrorSignals): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (signals.prismaCodes.has(code) || signals.nodeCodes.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && !code.startsWith('P') && signals.sqlstate(code)) return true;
  }
  const cause = driverCause(error);
  if (cause) {
    if (cause.kind && signals.adapterKinds.has(cause.kind)) return true;
    const sqlstate = cause.originalCode ?? cause.code;
    if (typeof sqlstate === 'string' && signals.sqlstate(sqlstate)) return true;
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && signals.messages.test(message)) return true;
  const inner = cause ? null : wrapped(error);
  return inner !== null && hasSignal(inner, signals);
}

export function isTransientError(error: unknown): boolean {
  return hasSignal(error, TRANSIENT);
}

/** Whether a statement failed because its server went away (see SERVER_LOST); such errors are also transient. */
export function isServerLostError(error: unknown): boolean {
  return hasSignal(error, SERVER_LOST);
}

/**
 * A short, single-line reason for an error, to store with a failed operation: the database's own message
 * and SQLSTATE when there is one, rather than Prisma's multi-line invocation text.
 */
export function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const cause = driverCause(error);
    const message = cause?.originalMessage ?? cause?.message;
    const sqlstate = cause?.originalCode ?? cause?.code;
    if (typeof message === 'string') return sqlstate ? `${message} (SQLSTATE ${sqlstate})` : message;
    const inner = wrapped(error);
    if (inner) return describeError(inner);
    if (error instanceof Error) {
      const lines = error.message.split('\n').map((line) => line.trim()).filter(Boolean);
      return lines[lines.length - 1] ?? error.name;
    }
  }
  return String(error);
}
