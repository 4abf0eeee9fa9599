import type { Queryable } from '../client';
import { queryRows, UNFINISHED_STATUSES_SQL } from './resource';

/**
 * Fair scheduling across environments (operations-control.md section 1): environments with operations
 * waiting share the workers in proportion to their weight. The claim (lifecycle.ts) compares what each
 * environment has running, for its weight, and a job of a better served environment runs the least
 * served one's oldest waiting operation instead (apps/worker/src/operation-job.ts). PostgreSQL holds
 * the weights and the record of what runs; BullMQ only carries the jobs.
 */

/** An environment's weight: its share of the workers against the others' while it has work waiting. */
export const SCHEDULING_WEIGHT = { min: 1, max: 1000, default: 1 } as const;

/**
 * Common table expressions for a claim whose `target(environment_id, ...)` row is its operation:
 * `load(environment_id, share, last_served_at, waiting, oldest)`, what each environment with unfinished
 * operations has running under a live lease for its weight, when it was last served, whether any of its
 * operations waits (`queued`) and its oldest waiting one; and `preferred`, the environment with
 * operations waiting that is served least, when it is served less than the target's: a smaller share, or
 * the same share and served less recently (so that environments take turns even on one worker slot).
 * The scan is of unfinished operations only (their partial index).
 */
export const FAIR_SHARE_CTES = `
  load AS (
    SELECT counted.environment_id, counted.running / environments.scheduling_weight::float8 AS share, environments.last_served_at,
      counted.waiting, counted.oldest
    FROM (SELECT environment_id,
            count(*) FILTER (WHERE status = 'processing' AND lease_until > now()) AS running,
            bool_or(status = 'queued') AS waiting,
            min(seq) FILTER (WHERE status = 'queued') AS oldest
          FROM bulk_operations WHERE status IN (${UNFINISHED_STATUSES_SQL}) GROUP BY environment_id) AS counted
    JOIN environments ON environments.id = counted.environment_id),
  own_load AS (SELECT load.share, load.last_served_at FROM load, target WHERE load.environment_id = target.environment_id),
  preferred AS (
    SELECT load.environment_id FROM load, target, own_load
    WHERE load.waiting AND load.environment_id <> target.environment_id
      AND (load.share, load.last_served_at) < (own_load.share, own_load.last_served_at)
    ORDER BY load.share, load.last_served_at, load.oldest
    LIMIT 1)`;

/** A CTE recording that the environment of the operation `claimed` (a CTE with `environment_id`) took was served now. */
export const SERVED_CTE = (claimed: string) => `
  served AS (UPDATE environments SET last_served_at = now() WHERE id = (SELECT environment_id FROM ${claimed}))`;

/** Sets an environment's weight (by name); false when there is no such environment. */
export async function setSchedulingWeight(db: Queryable, environmentName: string, weight: number): Promise<boolean> {
  if (!Number.isInteger(weight) || weight < SCHEDULING_WEIGHT.min || weight > SCHEDULING_WEIGHT.max) {
    throw new RangeError(`a weight is an integer from ${SCHEDULING_WEIGHT.min} to ${SCHEDULING_WEIGHT.max}`);
  }
  const updated = await db.$executeRawUnsafe('UPDATE environments SET scheduling_weight = $2::int WHERE name = $1', environmentName, weight);
  return updated > 0;
}

/** One environment's queue: its weight, its operations waiting and running, and how long the oldest has waited. */
export interface EnvironmentQueue {
  name: string;
  weight: number;
  queued: number;
  processing: number;
  /** Seconds since the oldest queued operation was accepted; 0 when none waits. */
  oldestWaitSeconds: number;
}

/** Every environment's queue, by name (for `/metrics`, the dashboard and `prefs environments list`). */
export async function listEnvironmentQueues(db: Queryable): Promise<EnvironmentQueue[]> {
  const rows = await queryRows<{ name: string; weight: number; queued: number; processing: number; oldest_wait_seconds: number }>(
    db,
    `SELECT environments.name, environments.scheduling_weight AS weight,
       count(operations.id) FILTER (WHERE operations.status = 'queued')::int AS queued,
       count(operations.id) FILTER (WHERE operations.status = 'processing')::int AS processing,
       coalesce(extract(epoch FROM now() - min(operations.inserted_at) FILTER (WHERE operations.status = 'queued')), 0)::float8 AS oldest_wait_seconds
     FROM environments
     LEFT JOIN bulk_operations AS operations ON operations.environment_id = environments.id AND operations.status IN (${UNFINISHED_STATUSES_SQL})
     GROUP BY environments.id ORDER BY environments.name`,
    [],
  );
  return rows.map((row) => ({ name: row.name, weight: row.weight, queued: row.queued, processing: row.processing, oldestWaitSeconds: row.oldest_wait_seconds }));
}
