import http from 'node:http';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { Client } from 'pg';
import { maximalConditionsSet, longId, LONGEST_PARSED_NUMBER } from '../../../packages/bench/src/hostile-documents';
import { useApiTestContext } from './api-test-context';

const ctx = useApiTestContext();
const CATS = Array.from({ length: 50 }, (_, index) => `category-${String(index).padStart(2, '0')}`);
const COUNT = Number(process.env.PROF_COUNT ?? 100);
const ids = Array.from({ length: COUNT }, (_, index) => longId('prof-eval', String(index).padStart(4, '0')));
let body = '';

beforeAll(async () => {
  const client = new Client({ connectionString: ctx.env.databaseUrl });
  await client.connect();
  let value: unknown = null;
  for (let bytes = 65536; bytes > 1024; bytes -= 512) {
    value = maximalConditionsSet(CATS, bytes);
    const text = JSON.stringify(value);
    if (Buffer.byteLength(text) > 65536) continue;
    const { rows } = await client.query<{ size: number }>('SELECT pg_column_size($1::jsonb) AS size', [text]);
    if (rows[0].size <= 65536) break;
  }
  await client.query(`INSERT INTO preference_sets (environment_id, user_id, set_id, preferences) SELECT $1::uuid, id, 'default', $2::jsonb FROM unnest($3::text[]) AS id`, [ctx.env.environmentId, JSON.stringify(value), ids]);
  await client.end();
  const skeleton = { workflow: { key: 'digest', categories: CATS, commercial: true }, channel: { type: 'email' } };
  const per = Math.floor((2 * 1024 * 1024 - 4096 - JSON.stringify(skeleton).length) / COUNT);
  body = JSON.stringify({ ...skeleton, recipients: ids.map((id) => { const base = { id, score: LONGEST_PARSED_NUMBER, note: '' }; return { ...base, note: 'n'.repeat(Math.max(0, per - JSON.stringify(base).length - 1)) }; }) });
});

function send(): Promise<number> {
  const url = new URL(ctx.api.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path: '/v1/preferences/evaluate?trace=true', headers: { ...ctx.auth(), 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }, agent: false }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => { n += c.length; });
      res.on('end', () => resolve(n));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

it('profiles', async () => {
  await send(); // warm
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  const gcs: { start: number; dur: number; kind: number }[] = [];
  const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcs.push({ start: e.startTime, dur: e.duration, kind: (e as unknown as { detail: { kind: number } }).detail?.kind }); });
  obs.observe({ entryTypes: ['gc'] });
  const gaps: { at: number; ms: number }[] = [];
  let last = performance.now();
  let running = true;
  const tick = () => { const now = performance.now(); if (now - last > 15) gaps.push({ at: last, ms: now - last }); last = now; if (running) setTimeout(tick, 0); };
  setTimeout(tick, 0);
  const cpu0 = process.cpuUsage();
  await session.post('Profiler.start');
  const t0 = performance.now();
  const bytes = await send();
  const t1 = performance.now();
  const { profile } = await session.post('Profiler.stop');
  const cpu = process.cpuUsage(cpu0);
  running = false;
  obs.disconnect();
  const offsetUs = (Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000); // hrtime µs at performance 0
  fs.writeFileSync('/tmp/limits-prof/eval.cpuprofile', JSON.stringify(profile));
  fs.writeFileSync('/tmp/limits-prof/eval.json', JSON.stringify({ t0, t1, bytes, cpu, gaps, gcs, offsetUs }));
  console.log(JSON.stringify({ wall: t1 - t0, bytes, cpu, gaps: gaps.sort((a, b) => b.ms - a.ms).slice(0, 12), gcsOver5: gcs.filter((g) => g.dur > 5) }, null, 1));
}, 300_000);
