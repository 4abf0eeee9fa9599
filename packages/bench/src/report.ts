import type { LineResult } from './measure';
import type { EvaluationResult } from './evaluation';
import type { KindResult } from './kinds';
import { CONCURRENT_BODIES_RSS_LIMIT_MB, type HostileResult } from './hostile';
import type { SystemPhaseResult } from './system';

export interface Ratio {
  name: string;
  value: number;
}

export interface Target {
  name: string;
  value: number;
  target: string;
  met: boolean;
}

function best(lines: LineResult[], prefix: string): LineResult | undefined {
  return lines.filter((l) => l.key.startsWith(prefix)).sort((a, b) => b.usersPerSecond - a.usersPerSecond)[0];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function pairedRatioName(phase: SystemPhaseResult): string {
  return `system ${phase.workers}w / limit, replace, paired (median of ${phase.pairs.length})`;
}

const kindRatioName = (kind: KindResult) => `${kind.key}: system / limit, paired (median of ${kind.pairs.length})`;

/** System / limit per strategy (the faster of the limit's connection counts), system / naive, and each kind's paired ratio. */
export function computeRatios(lines: LineResult[], phases: SystemPhaseResult[], kinds: KindResult[] = []): Ratio[] {
  const ratios: Ratio[] = [];
  for (const phase of phases) {
    for (const strategy of ['replace', 'merge'] as const) {
      const system = lines.find((l) => l.key === `system.${phase.workers}w.${strategy}`);
      const limit = best(lines, `limit.${strategy}.`);
      const naive = lines.find((l) => l.key === `naive.${strategy}`);
      if (system && limit) ratios.push({ name: `system ${phase.workers}w / limit, ${strategy}`, value: system.usersPerSecond / limit.usersPerSecond });
      if (system && naive) ratios.push({ name: `system ${phase.workers}w / naive, ${strategy}`, value: system.usersPerSecond / naive.usersPerSecond });
      // Merge is done in PostgreSQL now: also against the database alone doing that same statement.
      const inSql = strategy === 'merge' ? best(lines, 'limit.merge-sql.') : undefined;
      if (system && inSql) ratios.push({ name: `system ${phase.workers}w / limit (merge in SQL)`, value: system.usersPerSecond / inSql.usersPerSecond });
    }
    if (phase.pairs.length > 0) ratios.push({ name: pairedRatioName(phase), value: median(phase.pairs.map((pair) => pair.ratio)) });
  }
  for (const kind of kinds) ratios.push({ name: kindRatioName(kind), value: kind.medianRatio });
  return ratios;
}

/** The targets, judged on the phase with the most workers. */
export function judgeTargets(
  ratios: Ratio[],
  phases: SystemPhaseResult[],
  evaluation: EvaluationResult | null = null,
  unsubscribes: { peakMemoryMb: number } | null = null,
  kinds: KindResult[] = [],
  hostile: HostileResult | null = null,
): Target[] {
  const targets: Target[] = [];
  const concurrent = hostile?.cases.find((c) => c.key === 'concurrent-bodies');
  if (concurrent) {
    // A case that crashed the API or failed has no figures: that is a miss, not a pass.
    const peak = concurrent.hostile?.apiPeakMb ?? Number.POSITIVE_INFINITY;
    targets.push({ name: 'API resident MB, 50 public + 8 secret maximal bodies at once', value: peak, target: `< ${CONCURRENT_BODIES_RSS_LIMIT_MB}`, met: peak < CONCURRENT_BODIES_RSS_LIMIT_MB });
  }
  // Issue 18 part 8: every new bulk kind at 0.6 of PostgreSQL's own limit for its statement.
  for (const kind of kinds) targets.push({ name: kindRatioName(kind), value: kind.medianRatio, target: '>= 0.6', met: kind.medianRatio >= 0.6 });
  if (evaluation) {
    const perSecond = evaluation.line.usersPerSecond;
    targets.push({ name: 'evaluations per second, 1 API process', value: perSecond, target: '>= 50000', met: perSecond >= 50_000 });
    const p99 = evaluation.latency.p99Ms;
    targets.push({ name: `evaluate p99 ms, ${evaluation.inFlight} in flight`, value: p99, target: '< 100', met: p99 < 100 });
  }
  // Every API process of the run, not only the system phases' (the same heap bound as production).
  if (evaluation) targets.push({ name: 'peak memory, api (evaluate), MB', value: evaluation.peakMemoryMb, target: '< 200', met: evaluation.peakMemoryMb < 200 });
  if (unsubscribes) {
    targets.push({ name: 'peak memory, api (unsubscribe), MB', value: unsubscribes.peakMemoryMb, target: '< 200', met: unsubscribes.peakMemoryMb < 200 });
  }
  const phase = [...phases].sort((a, b) => b.workers - a.workers)[0];
  if (!phase) return targets;
  const ratio = (name: string) => ratios.find((r) => r.name === name)?.value ?? 0;
  for (const strategy of ['replace', 'merge'] as const) {
    const limitRatio = ratio(`system ${phase.workers}w / limit, ${strategy}`);
    // Issue 11: replace at 0.6 of the limit, merge at 0.75.
    const goal = strategy === 'replace' ? 0.6 : 0.75;
    targets.push({ name: `${strategy}: system ${phase.workers}w / limit`, value: limitRatio, target: `>= ${goal}`, met: limitRatio >= goal });
    // The same target on the replace limit and burst measured back to back (see system.ts).
    if (strategy === 'replace' && phase.pairs.length > 0) {
      const paired = ratio(pairedRatioName(phase));
      targets.push({ name: `replace, paired: system ${phase.workers}w / limit`, value: paired, target: `>= ${goal}`, met: paired >= goal });
    }
    const naiveRatio = ratio(`system ${phase.workers}w / naive, ${strategy}`);
    targets.push({ name: `${strategy}: system ${phase.workers}w / naive`, value: naiveRatio, target: '>= 20', met: naiveRatio >= 20 });
  }
  for (const p of phases) {
    for (const [name, mb] of Object.entries(p.peakMemoryMb)) {
      targets.push({ name: `peak memory, ${name} (${p.workers}w run), MB`, value: mb, target: '< 200', met: mb < 200 });
    }
  }
  const mixed = phase.postLatency.mixed;
  if (mixed) {
    const spread = mixed.p50Ms > 0 ? mixed.p99Ms / mixed.p50Ms : 0;
    targets.push({ name: `POST p99 / p50 (${phase.workers}w, mixed burst)`, value: spread, target: '<= 5', met: spread <= 5 });
  }
  return targets;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A horizontal bar chart of users per second, one bar per line. */
export function renderSvg(lines: LineResult[], title: string): string {
  const barHeight = 22;
  const gap = 8;
  const labelWidth = 300;
  const chartWidth = 520;
  const top = 40;
  const width = labelWidth + chartWidth + 120;
  const height = top + lines.length * (barHeight + gap) + 20;
  const max = Math.max(1, ...lines.map((l) => l.usersPerSecond));
  const colour = (key: string) => (key.startsWith('limit') ? '#4c78a8' : key.startsWith('naive') ? '#e45756' : '#54a24b');
  const bars = lines.map((l, index) => {
    const y = top + index * (barHeight + gap);
    const barWidth = Math.max(1, (l.usersPerSecond / max) * chartWidth);
    return [
      `<text x="${labelWidth - 8}" y="${y + barHeight * 0.7}" text-anchor="end">${escapeXml(l.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${barWidth.toFixed(1)}" height="${barHeight}" fill="${colour(l.key)}"/>`,
      `<text x="${labelWidth + barWidth + 6}" y="${y + barHeight * 0.7}">${Math.round(l.usersPerSecond).toLocaleString('en-US')}</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="24" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    ...bars,
    '</svg>',
    '',
  ].join('\n');
}
