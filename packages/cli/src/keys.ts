import type { ApiKeyKind } from '@prefs/db';
import { checkEnvironmentName, printedDate, table, withDatabase } from './database';
import { InputError } from './users-file';

type Env = Record<string, string | undefined>;

/** Revoking needs at least the marker and four characters of the key, so one typo cannot match many keys. */
const MIN_PREFIX_LENGTH = 7;

/**
 * `prefs keys create`: the key is printed alone on stdout, so that `$(prefs keys create ...)` captures it;
 * it is stored only as a hash and cannot be shown again.
 */
export async function createKey(environment: string, kind: ApiKeyKind, env: Env, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  checkEnvironmentName(environment);
  const created = await withDatabase(env, async (db) => (await import('@prefs/db')).createApiKey(db, environment, kind));
  out.write(`${created.key}\n`);
  if (kind === 'secret') {
    err.write(
      `Created a secret key for environment "${created.environmentName}" (${created.environmentId}).\n` +
        'It is stored only as a hash: copy it now, it cannot be shown again.\n',
    );
  } else {
    err.write(
      `Created a public key for environment "${created.environmentName}" (${created.environmentId}).\n` +
        'It is not secret: it goes in your web app, with a user token per signed-in user, signed by a key of\n' +
        '`prefs signing-keys create`. It is stored only as a hash: copy it now, it cannot be shown again.\n',
    );
  }
  return 0;
}

/** `prefs keys list`: prefix, kind, created, last used (to the minute) and status of every key. */
export async function listKeys(environment: string, json: boolean, env: Env, out: NodeJS.WritableStream): Promise<number> {
  checkEnvironmentName(environment);
  const keys = await withDatabase(env, async (db) => (await import('@prefs/db')).listApiKeys(db, environment));
  if (!keys) throw new InputError(`there is no environment named "${environment}"`);
  if (json) {
    out.write(`${JSON.stringify(keys.map((key) => ({ prefix: key.prefix, kind: key.kind, created_at: key.createdAt, last_used_at: key.lastUsedAt, revoked_at: key.revokedAt })), null, 2)}\n`);
    return 0;
  }
  out.write(
    table([
      ['PREFIX', 'KIND', 'CREATED', 'LAST_USED', 'STATUS'],
      ...keys.map((key) => [key.prefix, key.kind, printedDate(key.createdAt), printedDate(key.lastUsedAt), key.revokedAt ? `revoked ${printedDate(key.revokedAt)}` : 'active']),
    ]),
  );
  return 0;
}

/** `prefs keys revoke PREFIX`: refuses an unknown or ambiguous prefix (nothing is revoked then). */
export async function revokeKey(prefix: string, env: Env, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (prefix.length < MIN_PREFIX_LENGTH) throw new InputError(`give at least ${MIN_PREFIX_LENGTH} characters of the key, as \`prefs keys list\` prints it`);
  const outcome = await withDatabase(env, async (db) => (await import('@prefs/db')).revokeApiKey(db, prefix));
  if (outcome.status === 'not_found') {
    err.write(`prefs: no active key starts with "${prefix}"\n`);
    return 1;
  }
  if (outcome.status === 'ambiguous') {
    throw new InputError(`"${prefix}" matches several active keys (${outcome.prefixes.join(', ')}): give more of the key`);
  }
  out.write(`Revoked the ${outcome.kind} key ${outcome.prefix}... of environment "${outcome.environmentName}".\n`);
  err.write('Every API process refuses it within 5 seconds.\n');
  return 0;
}
