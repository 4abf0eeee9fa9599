/**
 * CPU microseconds of one call of `work`: the least of a few rounds, each repeated until it has used at
 * least 20 ms, so the timer's resolution and a stray interrupt on a busy machine do not dominate. Tests
 * compare two of these (growth), never one against a time.
 */
export function cpuMicrosPerCall(work: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round += 1) {
    const start = process.cpuUsage();
    let calls = 0;
    let spent = 0;
    while (spent < 20_000 || calls < 3) {
      work();
      calls += 1;
      const used = process.cpuUsage(start);
      spent = used.user + used.system;
    }
    best = Math.min(best, spent / calls);
  }
  return best;
}
