import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ApiClient, ApiRequestError, NetworkError } from './api-client';
import { bulkSet } from './bulk-set';
import { createKey } from './keys';
import { getOperation, listOperations, MAX_PAGE_SIZE } from './ops';
import { InputError } from './users-file';

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

/** Exit codes: 0 success, 1 something failed (operations, users, the API), 2 bad usage or input. */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {
  constructor(message: string, readonly helpTopic: string) {
    super(message);
  }
}

const ENVIRONMENT_HELP = `Environment:
  PREFS_API_URL   the API's base URL (default ${DEFAULT_API_URL})
  PREFS_API_KEY   a secret key (sk_...) of the environment to act in
  DATABASE_URL    PostgreSQL, for \`keys create\` only (default postgresql://postgres@127.0.0.1:5432/prefs)`;

const HELP: Record<string, string> = {
  main: `prefs: the command line of the prefs notification-preferences service

Usage: prefs <command> [options]

Commands:
  bulk-set --users FILE --preferences FILE [--merge] [--set ID]
                       set the preferences of any number of users from a file, as bulk operations
                       of at most 1,000 users, following them to the end with a progress bar
  ops list [--status STATUS] [--page-size N] [--after CURSOR] [--before CURSOR]
                       list this environment's bulk operations, newest first
  ops get ID           show one bulk operation
  keys create --environment NAME
                       create a secret key (printed once; stored hashed)
  help [COMMAND]       this help, or a command's

Run \`prefs <command> --help\` for a command's options.

${ENVIRONMENT_HELP}

Exit codes: 0 success; 1 a failure (an operation or user failed, the API refused); 2 bad usage or input.`,

  'bulk-set': `Usage: prefs bulk-set --users FILE --preferences FILE [--merge] [--set ID]

Sets one preference set for every user in FILE. The users are split into bulk operations of at most
1,000 distinct ids (POST /v1/users/bulk/preferences), submitted one after another; every operation is then
followed (GET /v1/bulk_operations/:id) until it has completed or failed, with a progress bar of processed
users across all of them (plain periodic lines when the output is not a terminal). Finally it prints a
summary, every user id that failed and every operation that failed or was not accepted.

Requests answered 429 wait for Retry-After; 5xx answers and network failures are retried with backoff.
Each operation carries its own Idempotency-Key, so a retried request never creates a second operation.

Options:
  --users FILE          user ids: CSV (one id per line, or a header line with a "user_id" or "id"
                        column) or JSON (an array of ids, or of objects with an "id"); any length.
                        Repeated ids are sent once.
  --preferences FILE    a JSON preference set, as the API takes it: categories, workflows,
                        channel_types, channels, commercial_subscribed (and optionally id and
                        __persistence_strategy__)
  --merge               deep-merge into each user's stored set instead of replacing it
  --set ID              the set to write: "default" (the default) or a tenant id
  --poll-interval MS    how often to poll the operations (default 1000)
  --timeout SECONDS     stop waiting after this long; accepted operations keep running (default: wait)
  --retries N           retries of a request after a 5xx or network failure (default 8)
  -h, --help            this help

Exits 0 when every user was written; 1 when any user or operation failed (or was not accepted); 2 when
a file or an option is wrong (nothing is sent then).

${ENVIRONMENT_HELP}`,

  ops: `Usage: prefs ops list [options]
       prefs ops get ID [--json]

  list    this environment's bulk operations, newest first (GET /v1/bulk_operations)
  get     one bulk operation (GET /v1/bulk_operations/:id); exits 1 if it failed or has failed users

Run \`prefs ops list --help\` or \`prefs ops get --help\` for their options.

${ENVIRONMENT_HELP}`,

  'ops list': `Usage: prefs ops list [--status STATUS] [--page-size N] [--after CURSOR] [--before CURSOR] [--json]

Lists this environment's bulk operations, newest first, one page at a time.

Options:
  --status STATUS    only operations in this status: queued, processing, completed or failed
  --page-size N      operations per page, 1 to ${MAX_PAGE_SIZE} (the server's default otherwise)
  --after CURSOR     the page after this cursor (older operations), as printed below a page
  --before CURSOR    the page before this cursor (newer operations)
  --json             print the API's JSON as is
  -h, --help         this help

${ENVIRONMENT_HELP}`,

  'ops get': `Usage: prefs ops get ID [--json]

Shows one bulk operation: its status, progress and failed user ids. Exits 1 if it failed or has
failed users, 0 otherwise.

Options:
  --json       print the API's JSON as is
  -h, --help   this help

${ENVIRONMENT_HELP}`,

  keys: `Usage: prefs keys create --environment NAME

  create   create a secret key for an environment (creating the environment if needed)

Run \`prefs keys create --help\` for details.`,

  'keys create': `Usage: prefs keys create --environment NAME

Creates a secret key (sk_...) for the environment NAME, creating the environment if it does not exist,
and prints it on stdout, alone on its line. The key is stored only as a hash: it is shown this once.
This command talks to PostgreSQL directly (DATABASE_URL), not to the API.

Options:
  --environment NAME   the environment (letters, digits, _.-)
  -h, --help           this help

Environment:
  DATABASE_URL   PostgreSQL (default postgresql://postgres@127.0.0.1:5432/prefs)`,
};

export interface Io {
  argv: string[];
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  signal?: AbortSignal;
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

type OptionValues = Record<string, string | boolean | undefined>;

function parse(args: string[], options: OptionsConfig, topic: string, positionals = 0): { values: OptionValues; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: positionals > 0, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, topic);
  }
  if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`, topic);
  // parseArgs' own typing cannot follow options passed through a helper; every option here is a
  // string or a boolean, as declared.
  return { values: parsed.values as OptionValues, positionals: parsed.positionals };
}

function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function integerOption(value: string | undefined, name: string, topic: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) throw new UsageError(`${name} must be an integer of at least ${min}, got "${value}"`, topic);
  return parsed;
}

function apiClient(env: Io['env'], retries = 8): ApiClient {
  const apiKey = env.PREFS_API_KEY;
  if (!apiKey) throw new UsageError('PREFS_API_KEY is not set: export a secret key (sk_...), e.g. from `prefs keys create`', 'main');
  const baseUrl = env.PREFS_API_URL || DEFAULT_API_URL;
  try {
    new URL(baseUrl);
  } catch {
    throw new UsageError(`PREFS_API_URL is not a URL: "${baseUrl}"`, 'main');
  }
  return new ApiClient({ baseUrl, apiKey, maxRetries: retries });
}

/** Runs one command; returns the exit code. Never calls process.exit, so that tests can call it too. */
export async function run(io: Io): Promise<number> {
  const [command, ...rest] = io.argv;
  const help = (topic: string, exitCode = 0) => {
    // Asked for: stdout. Shown because the command was incomplete: stderr, like any usage error.
    (exitCode === 0 ? io.stdout : io.stderr).write(`${HELP[topic]}\n`);
    return exitCode;
  };
  try {
    if (command === undefined || command === '--help' || command === '-h') return help('main', command === undefined ? EXIT_USAGE : 0);
    if (command === 'help') {
      const topic = rest.join(' ');
      if (topic && !HELP[topic]) throw new UsageError(`no help for "${topic}"`, 'main');
      return help(topic || 'main');
    }
    switch (command) {
      case 'bulk-set': {
        const { values } = parse(
          rest,
          {
            users: { type: 'string' },
            preferences: { type: 'string' },
            merge: { type: 'boolean' },
            set: { type: 'string' },
            'poll-interval': { type: 'string' },
            timeout: { type: 'string' },
            retries: { type: 'string' },
          },
          'bulk-set',
        );
        if (values.help) return help('bulk-set');
        if (typeof values.users !== 'string') throw new UsageError('--users FILE is required', 'bulk-set');
        if (typeof values.preferences !== 'string') throw new UsageError('--preferences FILE is required', 'bulk-set');
        const pollIntervalMs = integerOption(stringOption(values, 'poll-interval'), '--poll-interval', 'bulk-set', 10) ?? 1000;
        const timeoutSeconds = integerOption(stringOption(values, 'timeout'), '--timeout', 'bulk-set', 0) ?? 0;
        const retries = integerOption(stringOption(values, 'retries'), '--retries', 'bulk-set', 0) ?? 8;
        const result = await bulkSet(
          {
            usersFile: values.users,
            preferencesFile: values.preferences,
            merge: values.merge === true,
            setId: stringOption(values, 'set'),
            client: apiClient(io.env, retries),
            out: io.stdout,
            interactive: io.stdout.isTTY === true,
            pollIntervalMs,
            timeoutMs: timeoutSeconds * 1000,
          },
          io.signal,
        );
        return result.exitCode;
      }
      case 'ops': {
        const [sub, ...args] = rest;
        if (sub === undefined || sub === '--help' || sub === '-h') return help('ops', sub === undefined ? EXIT_USAGE : 0);
        if (sub === 'get') {
          const { values, positionals } = parse(args, { json: { type: 'boolean' } }, 'ops get', 1);
          if (values.help) return help('ops get');
          if (positionals.length !== 1) throw new UsageError('ops get needs the operation id', 'ops get');
          return await getOperation(apiClient(io.env), positionals[0], io.stdout, values.json === true);
        }
        if (sub === 'list') {
          const { values } = parse(
            args,
            { status: { type: 'string' }, 'page-size': { type: 'string' }, after: { type: 'string' }, before: { type: 'string' }, json: { type: 'boolean' } },
            'ops list',
          );
          if (values.help) return help('ops list');
          return await listOperations(
            apiClient(io.env),
            {
              status: stringOption(values, 'status'),
              pageSize: integerOption(stringOption(values, 'page-size'), '--page-size', 'ops list', 1),
              after: stringOption(values, 'after'),
              before: stringOption(values, 'before'),
              json: values.json === true,
            },
            io.stdout,
          );
        }
        throw new UsageError(`unknown ops command "${sub}"`, 'ops');
      }
      case 'keys': {
        const [sub, ...args] = rest;
        if (sub === undefined || sub === '--help' || sub === '-h') return help('keys', sub === undefined ? EXIT_USAGE : 0);
        if (sub !== 'create') throw new UsageError(`unknown keys command "${sub}"`, 'keys');
        const { values } = parse(args, { environment: { type: 'string' } }, 'keys create');
        if (values.help) return help('keys create');
        if (typeof values.environment !== 'string') throw new UsageError('--environment NAME is required', 'keys create');
        return await createKey(values.environment, io.env, io.stdout, io.stderr);
      }
      default:
        throw new UsageError(`unknown command "${command}"`, 'main');
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const topicCommand = error.helpTopic === 'main' ? '' : ` ${error.helpTopic}`;
      io.stderr.write(`prefs: ${error.message}\nRun \`prefs${topicCommand} --help\` for usage.\n`);
      return EXIT_USAGE;
    }
    if (error instanceof InputError) {
      io.stderr.write(`prefs: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ApiRequestError) {
      const fields = error.fieldErrors.map((field) => `\n  ${field.field}: ${field.message}`).join('');
      io.stderr.write(`prefs: the API answered ${error.status} ${error.code}: ${error.message}${fields}\n`);
      return EXIT_FAILED;
    }
    if (error instanceof NetworkError) {
      io.stderr.write(`prefs: ${error.message}\n`);
      return EXIT_FAILED;
    }
    io.stderr.write(`prefs: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  }
}

/** The process entry point (bin/prefs.js): wires signals and exits with the command's code. */
export function main(): void {
  const controller = new AbortController();
  let interrupted = false;
  process.on('SIGINT', () => {
    // The first Ctrl-C stops waiting and prints what is still running; a second one quits at once.
    if (interrupted) process.exit(130);
    interrupted = true;
    controller.abort();
  });
  // A closed pipe (prefs ... | head) is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
  });
  run({ argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr, signal: controller.signal }).then(
    // Exit at once: idle keep-alive sockets of fetch would otherwise hold the process for seconds.
    // (Writes to pipes and files are synchronous on Linux and macOS, so nothing printed is lost.)
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(EXIT_FAILED);
    },
  );
}
