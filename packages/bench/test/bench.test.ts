import path from 'node:path';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from '@prefs/config';
import { renderSvg, runBenchmark } from '../src';

/**
 * A smoke run of `npm run bench` with a tiny seed and a few operations, so that the benchmark cannot rot.
 * It asserts only that every line produced figures, never how fast they are. Spawns the built apps.
 */
describe('the benchmark (smoke run)', () => {
  it('measures every line and computes the ratios', async () => {
    const report = await runBenchmark({
      repoRoot: path.resolve(__dirname, '..', '..', '..'),
      databaseUrl: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
      redisUrl: process.env.REDIS_URL || DEFAULT_REDIS_URL,
      seedUsers: 200,
      usersPerOperation: 20,
      limitOperations: 2,
      limitConnections: 2,
      naiveSampleUsers: 5,
      systemOperationsPerStrategy: 1,
      workerCounts: [1, 2],
      submitParallel: 2,
      replacePairs: 2,
      workerEnv: { BATCH_SIZE: '7' },
      evaluationRequests: 3,
      evaluationInFlight: 2,
      phases: ['limit', 'naive', 'system', 'kinds', 'evaluate', 'unsubscribe', 'webhooks'],
      kindOperations: 2,
      kindPairs: 1,
      unsubscribeUsers: 5,
      unsubscribePostsPerUser: 2,
      unsubscribeParallel: 2,
      webhookChanges: 5,
      webhookParallel: 2,
      finishedOperations: 100,
      growthSamples: 2,
    });

    expect(report.lines.map((l) => l.key)).toEqual([
      'limit.replace.1-conn',
      'limit.replace.2-conn',
      'limit.merge.1-conn',
      'limit.merge.2-conn',
      'limit.merge-sql.1-conn',
      'limit.merge-sql.2-conn',
      'naive.replace',
      'naive.merge',
      'api.intake.replace',
      'system.1w.replace',
      'system.1w.merge',
      'system.1w.mixed',
      'system.1w.identify',
      'system.2w.replace',
      'system.2w.merge',
      'system.2w.mixed',
      'system.2w.identify',
      'limit.kind.users.delete',
      'system.kind.users.delete',
      'limit.kind.objects.set',
      'system.kind.objects.set',
      'evaluate.1-api',
      'evaluate.1-api.audience',
      'unsubscribe.one-click',
      'webhooks.backlog',
      'webhooks.live',
    ]);
    for (const l of report.lines) expect(l.usersPerSecond).toBeGreaterThan(0);
    expect(report.system.map((phase) => Object.keys(phase.peakMemoryMb))).toEqual([
      ['api', 'worker-1'],
      ['api', 'worker-1', 'worker-2'],
    ]);
    expect(report.system[1].postLatency.mixed.requests).toBe(2);
    // The replace pairs run in the phase with the most workers only, and each pair has both figures.
    expect(report.system.map((phase) => phase.pairs.length)).toEqual([0, 2]);
    for (const pair of report.system[1].pairs) {
      expect(pair.limit.key).toBe('limit.replace.2-conn');
      expect(pair.system.usersPerSecond).toBeGreaterThan(0);
      expect(pair.ratio).toBeCloseTo(pair.system.usersPerSecond / pair.limit.usersPerSecond);
    }
    expect(report.targets.map((target) => target.name)).toContain('replace, paired: system 2w / limit');
    expect(report.evaluation?.latency.requests).toBe(3);
    // The audience condition decides: only members are sent the audience's workflow, so fewer sends are allowed.
    expect(report.evaluation?.audience.members).toBeGreaterThan(0);
    expect(report.evaluation!.audience.allowedShare).toBeLessThan(report.evaluation!.audience.allowedShareBefore);
    expect(report.kinds.map((kind) => kind.key)).toEqual(['users.delete', 'objects.set']);
    expect(report.kinds[0].pairs).toHaveLength(1);
    expect(report.targets.map((target) => target.name)).toContain('evaluations per second, 1 API process');
    expect(report.ratios.map((r) => r.name)).toEqual(
      expect.arrayContaining(['system 2w / limit, merge', 'system 2w / limit (merge in SQL)', 'system 2w / limit, replace, paired (median of 2)']),
    );
    expect(report.targets.length).toBeGreaterThan(0);
    expect(report.growth.storage.perMillionUsers.totalMb).toBeGreaterThan(0);
    expect(report.growth.operationCosts.map((costs) => costs.finishedOperations)).toEqual([0, 100]);
    expect(report.webhooks?.delayMs.p99).toBeGreaterThanOrEqual(report.webhooks!.delayMs.p50);
    expect(renderSvg(report.lines, 'smoke')).toContain('<svg');
  });
});

describe('the hostile phase (smoke run)', () => {
  it('measures the worst and an ordinary request of each case it runs, and skips with a reason what it does not', async () => {
    const report = await runBenchmark({
      repoRoot: path.resolve(__dirname, '..', '..', '..'),
      databaseUrl: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
      redisUrl: process.env.REDIS_URL || DEFAULT_REDIS_URL,
      seedUsers: 200,
      usersPerOperation: 20,
      limitOperations: 1,
      limitConnections: 1,
      naiveSampleUsers: 1,
      systemOperationsPerStrategy: 1,
      workerCounts: [1],
      submitParallel: 1,
      replacePairs: 0,
      workerEnv: {},
      evaluationRequests: 1,
      evaluationInFlight: 1,
      phases: ['hostile'],
      kindOperations: 1,
      kindPairs: 1,
      hostileCases: ['put-merge-objects', 'unknown-keys', 'evaluate-1000'],
      unsubscribeUsers: 1,
      unsubscribePostsPerUser: 1,
      unsubscribeParallel: 1,
      webhookChanges: 1,
      webhookParallel: 1,
      finishedOperations: 0,
      growthSamples: 1,
    });

    const cases = report.hostile?.cases ?? [];
    expect(cases.map((c) => c.key)).toEqual(['put-merge-objects', 'evaluate-1000', 'unknown-keys']);
    for (const c of cases.filter((c) => c.key !== 'evaluate-1000')) {
      expect(c.skipped).toBeUndefined();
      for (const cost of [c.ordinary!, c.hostile!]) {
        expect(cost.apiPeakMb).toBeGreaterThan(0);
        expect(cost.probes).toBeGreaterThan(0);
        expect(cost.eventLoopBlockMs).toBeGreaterThan(0);
      }
      expect(c.ratios?.apiCpu).toEqual(expect.any(Number));
    }
    // The worst merge is far larger than the ordinary one, and reached PostgreSQL (its backend was read).
    expect(cases[0].hostile!.requestBytes).toBeGreaterThan(40_000);
    expect(cases[0].hostile!.postgresPeakMb).toBeGreaterThan(0);
    expect(Object.keys(cases[2].hostile!.statuses).sort()).toEqual(expect.arrayContaining(['401']));
    // Without the 100-recipient case to project it from, the largest evaluation is not sent.
    expect(cases[1].skipped).toMatch(/^not run: /);
    expect(report.lines).toEqual([]);
  });
});
