import { DEFAULT_DATABASE_URL } from '@prefs/config';
import { InputError } from './users-file';

/**
 * `prefs keys create`: talks to PostgreSQL directly (there is no API to mint keys: a key is what
 * authenticates the API). The key is printed alone on stdout, so that `$(prefs keys create ...)`
 * captures it; it is stored only as a hash and cannot be shown again.
 */
export async function createKey(
  environment: string,
  env: Record<string, string | undefined>,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(environment)) {
    throw new InputError('--environment must be 1 to 64 letters, digits or _.- (starting with a letter or digit)');
  }
  // Loaded here, not at the top: the other commands need neither Prisma nor a database.
  const { createDatabase, createSecretKey } = await import('@prefs/db');
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const db = createDatabase({ databaseUrl, poolSize: 1, applicationName: 'prefs-cli' });
  try {
    const created = await createSecretKey(db, environment);
    out.write(`${created.secretKey}\n`);
    err.write(
      `Created a secret key for environment "${created.environmentName}" (${created.environmentId}).\n` +
        'It is stored only as a hash: copy it now, it cannot be shown again.\n',
    );
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n').filter(Boolean).slice(-1)[0] : String(error);
    const safeUrl = new URL(databaseUrl);
    safeUrl.password = '';
    throw new Error(`could not create the key in ${safeUrl.toString()}: ${message} (is the database migrated? npm run db:migrate)`, { cause: error });
  } finally {
    await db.$disconnect().catch(() => undefined);
  }
}
