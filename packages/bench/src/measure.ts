/** One measured line of the benchmark. */
export interface LineResult {
  /** A short, stable key, e.g. `limit.replace` or `system.2-workers.merge`. */
  key: string;
  label: string;
  users: number;
  seconds: number;
  usersPerSecond: number;
  /** Anything that qualifies the figure (a sample size, a connection count). */
  note?: string;
  /** CPU milliseconds per 1,000 users, by process (postgres, redis, bench, api, workers), where measured. */
  cpuMsPerThousandUsers?: Record<string, number>;
}

export function line(key: string, label: string, users: number, seconds: number, note?: string, cpuMsPerThousandUsers?: Record<string, number>): LineResult {
  return {
    key,
    label,
    users,
    seconds,
    usersPerSecond: seconds > 0 ? users / seconds : 0,
    ...(note ? { note } : {}),
    ...(cpuMsPerThousandUsers ? { cpuMsPerThousandUsers } : {}),
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: with 50 samples, p99 is the largest.
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function secondsSince(startMs: number): number {
  return (performance.now() - startMs) / 1000;
}

/** Runs `count` tasks with at most `parallel` in flight. */
export async function runPool(count: number, parallel: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, count) }, async () => {
    while (next < count) {
      const index = next;
      next += 1;
      await task(index);
    }
  });
  await Promise.all(lanes);
}
