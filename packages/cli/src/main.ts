import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ApiClient, ApiRequestError, NetworkError } from './api-client';
import { bulkSet } from './bulk-set';
import { createKey, listKeys, revokeKey } from './keys';
import { runLinkSecrets } from './link-secrets';
import { getOperation, listOperations } from './ops';
import { createSigningKey, listSigningKeys, revokeSigningKey } from './signing-keys';
import { InputError } from './users-file';
import { runWebhooks } from './webhooks';
import { DEFAULT_API_URL, HELP } from './help';

export { DEFAULT_API_URL };


/** Exit codes: 0 success, 1 something failed (operations, users, the API), 2 bad usage or input. */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(message: string, readonly helpTopic: string) {
    super(message);
  }
}


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
        if (sub === 'create') {
          const { values } = parse(args, { environment: { type: 'string' }, public: { type: 'boolean' } }, 'keys create');
          if (values.help) return help('keys create');
          if (typeof values.environment !== 'string') throw new UsageError('--environment NAME is required', 'keys create');
          return await createKey(values.environment, values.public === true ? 'public' : 'secret', io.env, io.stdout, io.stderr);
        }
        if (sub === 'list') {
          const { values } = parse(args, { environment: { type: 'string' }, json: { type: 'boolean' } }, 'keys list');
          if (values.help) return help('keys list');
          if (typeof values.environment !== 'string') throw new UsageError('--environment NAME is required', 'keys list');
          return await listKeys(values.environment, values.json === true, io.env, io.stdout);
        }
        if (sub === 'revoke') {
          const { values, positionals } = parse(args, {}, 'keys revoke', 1);
          if (values.help) return help('keys revoke');
          if (positionals.length !== 1) throw new UsageError('keys revoke needs the key\'s prefix', 'keys revoke');
          return await revokeKey(positionals[0], io.env, io.stdout, io.stderr);
        }
        throw new UsageError(`unknown keys command "${sub}"`, 'keys');
      }
      case 'signing-keys': {
        const [sub, ...args] = rest;
        if (sub === undefined || sub === '--help' || sub === '-h') return help('signing-keys', sub === undefined ? EXIT_USAGE : 0);
        if (sub === 'create') {
          const { values } = parse(args, { environment: { type: 'string' } }, 'signing-keys create');
          if (values.help) return help('signing-keys create');
          if (typeof values.environment !== 'string') throw new UsageError('--environment NAME is required', 'signing-keys create');
          return await createSigningKey(values.environment, io.env, io.stdout, io.stderr);
        }
        if (sub === 'list') {
          const { values } = parse(args, { environment: { type: 'string' }, json: { type: 'boolean' } }, 'signing-keys list');
          if (values.help) return help('signing-keys list');
          if (typeof values.environment !== 'string') throw new UsageError('--environment NAME is required', 'signing-keys list');
          return await listSigningKeys(values.environment, values.json === true, io.env, io.stdout);
        }
        if (sub === 'revoke') {
          const { values, positionals } = parse(args, {}, 'signing-keys revoke', 1);
          if (values.help) return help('signing-keys revoke');
          if (positionals.length !== 1) throw new UsageError('signing-keys revoke needs the signing key\'s id', 'signing-keys revoke');
          return await revokeSigningKey(positionals[0], io.env, io.stdout, io.stderr);
        }
        throw new UsageError(`unknown signing-keys command "${sub}"`, 'signing-keys');
      }
      case 'link-secrets':
        return await runLinkSecrets(rest, io.env, io.stdout);
      case 'webhooks':
        return await runWebhooks(rest, () => apiClient(io.env), io.stdout);
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
