/** The `prefs` command's help texts, by topic (`prefs --help`, `prefs <command> --help`). */
import { LINK_SECRETS_HELP } from './link-secrets';
import { WEBHOOKS_HELP } from './webhooks';
import { MAX_PAGE_SIZE } from './ops';

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

const ENVIRONMENT_HELP = `Environment:
  PREFS_API_URL   the API's base URL (default ${DEFAULT_API_URL})
  PREFS_API_KEY   a secret key (sk_...) of the environment to act in
  DATABASE_URL    PostgreSQL, for \`keys\` and \`signing-keys\` only (default postgresql://postgres@127.0.0.1:5432/prefs)`;

const DB_ENV = `Environment:
  DATABASE_URL   PostgreSQL (default postgresql://postgres@127.0.0.1:5432/prefs)`;

export const HELP: Record<string, string> = {
  main: `prefs: the command line of the prefs notification-preferences service

Usage: prefs <command> [options]

Commands:
  bulk-set --users FILE --preferences FILE [--merge] [--set ID]
                       set the preferences of any number of users from a file, as bulk operations
                       of at most 1,000 users, following them to the end with a progress bar
  ops list [--status STATUS] [--page-size N] [--after CURSOR] [--before CURSOR]
                       list this environment's bulk operations, newest first
  ops get ID           show one bulk operation
  keys create --environment NAME [--public]
                       create a secret key, or a public key for browsers (printed once; stored hashed)
  keys list --environment NAME
                       list an environment's keys: prefix, kind, created, last used, status
  keys revoke PREFIX   revoke a key (refused by every API process within 5 s)
  signing-keys create --environment NAME
                       make a key pair for signing user tokens; prints the private half once
  signing-keys list --environment NAME
  signing-keys revoke ID
                       revoke a signing key (its tokens are refused within 5 s)
  link-secrets list|rotate|retire --environment NAME
                       the secrets that sign end users' links (preference center, unsubscribe)
  webhooks create|list|get|update|delete|rotate-secret|deliveries|retry
                       the environment's webhook endpoints and their deliveries
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

  keys: `Usage: prefs keys create --environment NAME [--public]
       prefs keys list --environment NAME [--json]
       prefs keys revoke PREFIX

  create   create a secret key (or with --public, a public key) for an environment
  list     list an environment's keys
  revoke   revoke a key

These commands talk to PostgreSQL directly (DATABASE_URL), not to the API.
Run \`prefs keys <command> --help\` for details.`,

  'link-secrets': LINK_SECRETS_HELP,
  webhooks: WEBHOOKS_HELP,

  'keys create': `Usage: prefs keys create --environment NAME [--public]

Creates a key for the environment NAME, creating the environment if it does not exist, and prints it on
stdout, alone on its line. The key is stored only as a hash: it is shown this once.

A secret key (sk_..., the default) reaches everything of its environment: keep it on servers.
A public key (pk_..., with --public) names the environment to browsers (Knock's client SDKs); it reaches
only the signed-in user's preferences and profile, and only with a user token signed by a key of
\`prefs signing-keys create\`.

Options:
  --environment NAME   the environment (letters, digits, _.-)
  --public             a public key instead of a secret key
  -h, --help           this help

${DB_ENV}`,

  'keys list': `Usage: prefs keys list --environment NAME [--json]

Lists the keys of the environment NAME, oldest first: the prefix that tells them apart, the kind (secret
or public), when each was created and last used (to the minute), and whether it is active or revoked.

Options:
  --environment NAME   the environment
  --json               print JSON
  -h, --help           this help

${DB_ENV}`,

  'keys revoke': `Usage: prefs keys revoke PREFIX

Revokes the active key whose prefix starts with PREFIX (as \`prefs keys list\` prints it; at least 7
characters), or the key PREFIX itself. Every API process refuses it within 5 seconds. A PREFIX that
matches several active keys revokes nothing (exit 2); one that matches none exits 1.

${DB_ENV}`,

  'signing-keys': `Usage: prefs signing-keys create --environment NAME
       prefs signing-keys list --environment NAME [--json]
       prefs signing-keys revoke ID

Signing keys sign user tokens (RS256 JWTs): a browser using a public key sends one per signed-in user
in X-Knock-User-Token. Several may be active at once, so keys can be rotated without downtime.
Run \`prefs signing-keys <command> --help\` for details.`,

  'signing-keys create': `Usage: prefs signing-keys create --environment NAME

Makes an RSA key pair for the existing environment NAME, stores the public half, and prints the private
half once on stdout: a PKCS#8 PEM, base64-encoded as Knock's dashboard shows signing keys. Give it to
\`signUserToken(userId, { signingKey })\` of @knocklabs/node (or set KNOCK_SIGNING_KEY) on your server.

Options:
  --environment NAME   the environment
  -h, --help           this help

${DB_ENV}`,

  'signing-keys list': `Usage: prefs signing-keys list --environment NAME [--json]

Lists the signing keys of the environment NAME, oldest first: id, created, active or revoked.

Options:
  --environment NAME   the environment
  --json               print JSON
  -h, --help           this help

${DB_ENV}`,

  'signing-keys revoke': `Usage: prefs signing-keys revoke ID

Revokes the active signing key whose id starts with ID (at least 8 characters). Every API process
refuses the user tokens it signed within 5 seconds.

${DB_ENV}`,
};
