import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `node packages/bench/dist/profile-summary.js <file.cpuprofile>...`: where a process's CPU time went,
 * grouped by what the code does (parse, validate, SQL, Redis, ...), from `node --cpu-prof` output.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const CATEGORIES: [string, RegExp][] = [
  ['validate (class-validator/transformer, core validation)', /class-validator|class-transformer|core\/(dist|src)\/validation/],
  ['merge (core)', /core\/(dist|src)\/merge/],
  ['SQL driver (pg, pg-protocol)', /node_modules\/(pg|pg-protocol|pg-types|pg-pool|postgres-array)\//],
  ['Prisma (client, adapter, query compiler)', /@prisma|\/generated\/prisma/],
  ['Redis (BullMQ, ioredis)', /node_modules\/(bullmq|ioredis|@ioredis|cluster-key-slot|redis-parser)/],
  ['HTTP (express, body-parser, node http)', /node_modules\/(express|body-parser|raw-body|router|iconv-lite|send|finalhandler|on-finished|type-is|qs)\/|node:_http|node:http/],
  ['logging (pino)', /pino/],
  ['prefs code', /\/(apps|packages)\/[a-z-]+\/(dist|src)\//],
  ['node internals', /^node:/],
];

function categoryOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'garbage collection';
    if (functionName === '(program)') return 'V8 (compile, runtime)';
    if (/parse|stringify/i.test(functionName)) return 'JSON parse/stringify (native)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  for (const [name, pattern] of CATEGORIES) if (pattern.test(url)) return name;
  return 'other JavaScript';
}

export function summarise(file: string, top = 12): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));

  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id);
    if (!node) continue;
    const category = categoryOf(node);
    byCategory.set(category, (byCategory.get(category) ?? 0) + micros);
    if (category !== 'idle') busy += micros;
    const where = node.callFrame.url ? `${path.basename(node.callFrame.url)}:${node.callFrame.lineNumber + 1}` : 'native';
    const key = `${node.callFrame.functionName || '(anonymous)'} (${where})`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  const lines = [`${path.basename(file)}: ${(busy / 1e6).toFixed(2)} s busy`];
  const share = (micros: number) => `${((100 * micros) / Math.max(busy, 1)).toFixed(1).padStart(5)}%`;
  for (const [category, micros] of [...byCategory].sort((a, b) => b[1] - a[1])) {
    if (category === 'idle') continue;
    lines.push(`  ${share(micros)}  ${(micros / 1e3).toFixed(0).padStart(6)} ms  ${category}`);
  }
  lines.push('  top functions (self time):');
  for (const [name, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`    ${share(micros)}  ${name}`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  for (const file of process.argv.slice(2)) console.log(`${summarise(file)}\n`);
}
