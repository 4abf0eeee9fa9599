import { DEFAULT_DATABASE_URL } from '@prefs/config';
import type { Database } from '@prefs/db';
import { InputError } from './users-file';

const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function checkEnvironmentName(environment: string): void {
  if (!ENVIRONMENT_NAME.test(environment)) {
    throw new InputError('--environment must be 1 to 64 letters, digits or _.- (starting with a letter or digit)');
  }
}

/**
 * Runs `work` with a one-connection client of DATABASE_URL: the key commands talk to PostgreSQL directly
 * (there is no API to mint keys: a key is what authenticates the API). Database errors name the database
 * (without its password) and suggest migrating.
 */
export async function withDatabase<T>(env: Record<string, string | undefined>, work: (db: Database) => Promise<T>): Promise<T> {
  // Loaded here, not at the top: the other commands need neither Prisma nor a database.
  const { createDatabase } = await import('@prefs/db');
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const db = createDatabase({ databaseUrl, poolSize: 1, applicationName: 'prefs-cli' });
  try {
    return await work(db);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const message = error instanceof Error ? error.message.split('\n').filter(Boolean).slice(-1)[0] : String(error);
    const safeUrl = new URL(databaseUrl);
    safeUrl.password = '';
    throw new Error(`could not reach the keys in ${safeUrl.toString()}: ${message} (is the database migrated? npm run db:migrate)`, { cause: error });
  } finally {
    await db.$disconnect().catch(() => undefined);
  }
}

/** A date as the listings print it: ISO 8601 to the second, or "-". */
export function printedDate(date: Date | null): string {
  return date ? `${date.toISOString().slice(0, 19)}Z` : '-';
}

/** Left-aligned columns, two spaces apart. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ')).join('\n') + '\n';
}
