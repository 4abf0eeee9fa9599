import { parseArgs } from 'node:util';
import { DEFAULT_DATABASE_URL } from '@prefs/config';
import { InputError } from './users-file';

/**
 * `prefs link-secrets list|rotate|retire --environment NAME`: the secrets that sign end users' links
 * (preference center, one-click unsubscribe). Talks to PostgreSQL directly, like `keys create`.
 * Rotation: `rotate` makes a new secret that signs every link made from then on; links signed by older
 * secrets keep working until `retire` (all secrets older than the current one, or one by `--id`).
 */
export const LINK_SECRETS_HELP = `Usage: prefs link-secrets list --environment NAME
       prefs link-secrets rotate --environment NAME
       prefs link-secrets retire --environment NAME [--id ID]

The secrets that sign an environment's end-user links (the preference center and one-click unsubscribe
URLs of POST /v1/users/:id/links). The newest secret not retired signs new links; every secret not
retired verifies, so links never expire until their secret is retired.

  list     the secrets: id, created, retired, and which one is current
  rotate   make a new secret, which signs every link made from now on; older links keep working
  retire   retire every secret older than the current one (or only --id ID): links they signed stop
           working (within 5 seconds on every API process)

Options:
  --environment NAME   the environment
  --id ID              retire: only this secret
  -h, --help           this help

Environment:
  DATABASE_URL   PostgreSQL (default postgresql://postgres@127.0.0.1:5432/prefs)`;

export async function runLinkSecrets(
  args: string[],
  env: Record<string, string | undefined>,
  out: NodeJS.WritableStream,
): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h') {
    out.write(`${LINK_SECRETS_HELP}\n`);
    return command === undefined ? 2 : 0;
  }
  if (!['list', 'rotate', 'retire'].includes(command)) throw new InputError(`unknown link-secrets command "${command}" (list, rotate or retire)`);
  let values: { environment?: string; id?: string; help?: boolean };
  try {
    values = parseArgs({
      args: rest,
      options: { environment: { type: 'string' }, id: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values;
  } catch (error) {
    throw new InputError(`${(error as Error).message}\n${LINK_SECRETS_HELP}`);
  }
  if (values.help) {
    out.write(`${LINK_SECRETS_HELP}\n`);
    return 0;
  }
  if (!values.environment) throw new InputError('--environment NAME is required');
  if (values.id !== undefined && command !== 'retire') throw new InputError('--id is only for retire');

  // Loaded here, not at the top: the other commands need neither Prisma nor a database.
  const { createDatabase, findEnvironmentId, listLinkSecrets, retireLinkSecrets, rotateLinkSecret } = await import('@prefs/db');
  const db = createDatabase({ databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL, poolSize: 1, applicationName: 'prefs-cli' });
  try {
    const environmentId = await findEnvironmentId(db, values.environment);
    if (environmentId === null) throw new InputError(`no environment named "${values.environment}"`);
    if (command === 'rotate') {
      const secret = await rotateLinkSecret(db, environmentId);
      out.write(`${secret.id}\tcreated ${secret.createdAt}\tcurrent: signs new links; older secrets still verify until retired\n`);
      return 0;
    }
    if (command === 'retire') {
      const retired = await retireLinkSecrets(db, environmentId, values.id);
      if (retired.length === 0) {
        out.write(values.id ? `no active secret ${values.id} in "${values.environment}"\n` : 'nothing to retire: only the current secret is active\n');
        return values.id ? 1 : 0;
      }
      for (const id of retired) out.write(`${id}\tretired\n`);
      return 0;
    }
    const secrets = await listLinkSecrets(db, environmentId);
    const currentId = secrets.find((secret) => secret.retiredAt === null)?.id;
    if (secrets.length === 0) out.write('no link secrets yet (one is made with the first link)\n');
    for (const secret of secrets) {
      const state = secret.id === currentId ? 'current' : secret.retiredAt ? `retired ${secret.retiredAt}` : 'verifies';
      out.write(`${secret.id}\tcreated ${secret.createdAt}\t${state}\n`);
    }
    return 0;
  } finally {
    await db.$disconnect().catch(() => undefined);
  }
}
