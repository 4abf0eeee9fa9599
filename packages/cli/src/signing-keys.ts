import { checkEnvironmentName, printedDate, table, withDatabase } from './database';
import { InputError } from './users-file';

type Env = Record<string, string | undefined>;

/** Eight hex digits of the id: as many as `signing-keys list` lines up, and enough to tell keys apart. */
const MIN_ID_PREFIX_LENGTH = 8;

/**
 * `prefs signing-keys create`: makes an RSA key pair, stores the public half and prints the private half
 * once, alone on stdout, as a base64-encoded PKCS#8 PEM (as Knock's dashboard shows signing keys), so that
 * `signUserToken(userId, { signingKey })` of `@knocklabs/node` takes it unchanged.
 */
export async function createSigningKey(environment: string, env: Env, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  checkEnvironmentName(environment);
  const created = await withDatabase(env, async (db) => (await import('@prefs/db')).createSigningKey(db, environment));
  if (!created) throw new InputError(`there is no environment named "${environment}" (make one with \`prefs keys create --environment ${environment}\`)`);
  out.write(`${created.privateKeyBase64}\n`);
  err.write(
    `Created signing key ${created.id} for environment "${created.environmentName}".\n` +
      'Above is its private half: keep it on your server only (e.g. as KNOCK_SIGNING_KEY) to sign user tokens.\n' +
      'Only the public half is stored: it cannot be shown again.\n',
  );
  return 0;
}

export async function listSigningKeys(environment: string, json: boolean, env: Env, out: NodeJS.WritableStream): Promise<number> {
  checkEnvironmentName(environment);
  const keys = await withDatabase(env, async (db) => (await import('@prefs/db')).listSigningKeys(db, environment));
  if (!keys) throw new InputError(`there is no environment named "${environment}"`);
  if (json) {
    out.write(`${JSON.stringify(keys.map((key) => ({ id: key.id, created_at: key.createdAt, revoked_at: key.revokedAt })), null, 2)}\n`);
    return 0;
  }
  out.write(
    table([
      ['ID', 'CREATED', 'STATUS'],
      ...keys.map((key) => [key.id, printedDate(key.createdAt), key.revokedAt ? `revoked ${printedDate(key.revokedAt)}` : 'active']),
    ]),
  );
  return 0;
}

export async function revokeSigningKey(idPrefix: string, env: Env, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (!/^[0-9a-fA-F-]+$/.test(idPrefix) || idPrefix.length < MIN_ID_PREFIX_LENGTH) {
    throw new InputError(`give at least ${MIN_ID_PREFIX_LENGTH} characters of the signing key's id, as \`prefs signing-keys list\` prints it`);
  }
  const outcome = await withDatabase(env, async (db) => (await import('@prefs/db')).revokeSigningKey(db, idPrefix));
  if (outcome.status === 'not_found') {
    err.write(`prefs: no active signing key's id starts with "${idPrefix}"\n`);
    return 1;
  }
  if (outcome.status === 'ambiguous') throw new InputError(`"${idPrefix}" matches several active signing keys (${outcome.ids.join(', ')}): give more of the id`);
  out.write(`Revoked signing key ${outcome.id} of environment "${outcome.environmentName}".\n`);
  err.write('Every API process refuses the user tokens it signed within 5 seconds.\n');
  return 0;
}
