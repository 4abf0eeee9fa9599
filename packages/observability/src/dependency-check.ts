import type { Database } from '@prefs/db';

/** How long each dependency gets to answer before it counts as unavailable. */
const CHECK_TIMEOUT_MS = 2000;

async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function outcome(promise: Promise<unknown>): Promise<string> {
  return within(CHECK_TIMEOUT_MS, promise).then(
    () => 'ok',
    (error: Error) => `unavailable: ${String(error?.message ?? error).split('\n')[0]}`,
  );
}

/** One Redis or a cluster client: anything that answers PING. */
export interface Pingable {
  ping(): Promise<unknown>;
}

export interface DependencyChecks {
  postgres: string;
  redis: string;
}

/** Whether PostgreSQL and Redis answer, each within two seconds ("ok", or "unavailable: <why>"). */
export async function checkDependencies(db: Database, redis: Pingable): Promise<DependencyChecks> {
  const [postgres, redisState] = await Promise.all([outcome(db.$queryRawUnsafe('SELECT 1')), outcome(redis.ping())]);
  return { postgres, redis: redisState };
}

export interface Readiness {
  /** 200 when every dependency answers, 503 otherwise. */
  httpStatus: 200 | 503;
  body: { status: 'ready' | 'unavailable'; checks: DependencyChecks };
}

/** The `/readyz` answer, the same on the API and on every worker. */
export async function checkReadiness(db: Database, redis: Pingable): Promise<Readiness> {
  const checks = await checkDependencies(db, redis);
  const ready = checks.postgres === 'ok' && checks.redis === 'ok';
  return { httpStatus: ready ? 200 : 503, body: { status: ready ? 'ready' : 'unavailable', checks } };
}

/** The `/healthz` answer: the process is up and serving. */
export const LIVENESS_BODY = { status: 'ok' } as const;
