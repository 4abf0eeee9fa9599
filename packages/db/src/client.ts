import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from './generated/prisma/client';

export type Database = PrismaClient;
/** A client or an interactive transaction: the functions of this package run on either. */
export type Queryable = Pick<PrismaClient, '$queryRawUnsafe' | '$executeRawUnsafe'>;

export interface DatabaseOptions {
  databaseUrl: string;
  poolSize: number;
  /** Reported to PostgreSQL, so that `pg_stat_activity` shows which process holds a connection. */
  applicationName?: string;
}

const pools = new WeakMap<Database, Pool>();

export function createDatabase(options: DatabaseOptions): Database {
  // The pool is ours and handed to Prisma, so that the hot path (the batch writes) can use the same
  // connections through `pg` directly: see `poolOf`.
  const pool = new Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize,
    application_name: options.applicationName ?? 'prefs',
    // Fail a checkout fast when PostgreSQL is unreachable, instead of queueing requests forever.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(client, pool);
  return client;
}

/**
 * The `pg` pool under a client made by `createDatabase`. The batch writes use it directly: for a
 * 1,000-row statement, Prisma's raw-query layer (parameter serialisation, result conversion) costs
 * more CPU than the driver itself and leaves large strings behind for the garbage collector.
 */
export function poolOf(db: Database): Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('this Database was not made by createDatabase');
  return pool;
}

/**
 * Options for interactive transactions. Prisma's defaults (2 s to get a connection, 5 s to finish) would
 * abort a batch that waits on row locks or a busy pool under load; these bound it generously instead.
 */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 60_000 } as const;
