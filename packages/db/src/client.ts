import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';
import { preparedStatementName } from './prepared-statements';

export type Database = PrismaClient;
/** A client or an interactive transaction: the functions of this package run on either. */
export type Queryable = Pick<PrismaClient, '$queryRawUnsafe' | '$executeRawUnsafe'>;

export interface DatabaseOptions {
  databaseUrl: string;
  poolSize: number;
  /** Reported to PostgreSQL, so that `pg_stat_activity` shows which process holds a connection. */
  applicationName?: string;
  /**
   * Prepare the hot statements once per connection (default). Off for a connection pooler that cannot
   * keep named statements (PgBouncer in transaction mode before 1.21, or without max_prepared_statements).
   */
  preparedStatements?: boolean;
}

export function createDatabase(options: DatabaseOptions): Database {
  const adapter = new PrismaPg({
    connectionString: options.databaseUrl,
    max: options.poolSize,
    application_name: options.applicationName ?? 'prefs',
    // Fail a checkout fast when PostgreSQL is unreachable, instead of queueing requests forever.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  }, options.preparedStatements === false ? {} : { statementNameGenerator: (query) => preparedStatementName(query.sql) });
  return new PrismaClient({ adapter });
}

/**
 * Options for interactive transactions. Prisma's defaults (2 s to get a connection, 5 s to finish) would
 * abort a batch that waits on row locks or a busy pool under load; these bound it generously instead.
 */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 60_000 } as const;
