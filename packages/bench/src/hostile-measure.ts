import { Agent, request } from 'node:http';
import { Client } from 'pg';
import { startBenchApi, type BenchApiOptions } from './api-process';
import { sendCounted, type CountedAnswer } from './http-client';
import { readCpuSeconds, readStatusKb, resetPeakMemory, type SpawnedProcess } from './processes';

/**
 * How the hostile phase measures one case (hostile.ts holds the cases): each pair of requests on a
 * freshly started API, the API's and its PostgreSQL backends' CPU and peak memory, and the longest
 * event-loop block seen by back-to-back health probes.
 */

/** The API's options (each case starts one), the seeded environment, and which cases. */
export interface HostileOptions extends BenchApiOptions {
  environmentId: string;
  population: number;
  /** Only the cases of these keys (default all), e.g. to look at one again. */
  only?: string[];
  log: (message: string) => void;
}

/** What one kind of request cost, per request. */
export interface HostileCost {
  requests: number;
  /** Answer statuses and how many of each. */
  statuses: Record<string, number>;
  requestBytes: number;
  answerBytes: number;
  apiCpuMs: number;
  postgresCpuMs: number;
  /** The API's peak resident set during the part, and how far above its resident set at the start. */
  apiPeakMb: number;
  apiGrowthMb: number;
  /** The largest peak of the API's PostgreSQL backends, and its growth over the peak before the part. */
  postgresPeakMb: number;
  postgresGrowthMb: number;
  /** The slowest health probe while one request ran: how long the event loop was held, at most. */
  eventLoopBlockMs: number;
  probes: number;
}

export interface HostileCase {
  key: string;
  route: string;
  caller: string;
  shape: string;
  ordinary: HostileCost | null;
  hostile: HostileCost | null;
  /** hostile / ordinary, per request. */
  ratios: { apiCpu: number; postgresCpu: number; eventLoopBlock: number } | null;
  note?: string;
  skipped?: string;
}

export interface HostileResult {
  cases: HostileCase[];
}

export interface HttpCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Part {
  /** The request of repetition `index` (each its own user or link where a repeat would cost less). */
  call: (index: number) => HttpCall;
  repetitions: number;
  /** Answers that count as the intended outcome. */
  expect: number[];
  /** All repetitions in flight at once (concurrent bodies), instead of one after another. */
  concurrent?: boolean;
}

export interface CaseDefinition {
  key: string;
  route: string;
  caller: string;
  shape: string;
  ordinary: Part;
  hostile: Part;
  note?: string;
  /** Run before the API starts, untimed (seeding what the requests read). */
  prepare?: () => Promise<void>;
  /** Why not to run it, judged on the cases measured before it (null: run it). */
  unsafe?: (measured: HostileCase[]) => string | null;
}

/** KiB in a MB, as /proc reports memory in KiB. */
const MB = 1024;

const round = (value: number) => Math.round(value * 100) / 100;

/** The API's PostgreSQL backends: their peaks (KiB) and CPU seconds, by pid. */
async function apiBackends(watcher: Client): Promise<Map<number, { peakKb: number; cpu: number }>> {
  const { rows } = await watcher.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'prefs-api'`,
  );
  return new Map(rows.map((row) => [row.pid, { peakKb: readStatusKb(row.pid, 'VmHWM'), cpu: readCpuSeconds(row.pid) }]));
}

const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });

function probe(baseUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/healthz`, { agent: probeAgent }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs `work` with health probes back to back beside it; the slowest probe's milliseconds. */
async function withProbes(baseUrl: string, work: () => Promise<unknown>): Promise<{ maxMs: number; probes: number }> {
  let running = true;
  let maxMs = 0;
  let probes = 0;
  const prober = (async () => {
    while (running) {
      const sent = performance.now();
      await probe(baseUrl);
      maxMs = Math.max(maxMs, performance.now() - sent);
      probes += 1;
    }
  })();
  try {
    await work();
  } finally {
    running = false;
    await prober;
  }
  return { maxMs, probes };
}

function send(baseUrl: string, call: HttpCall): Promise<CountedAnswer> {
  return sendCounted(call.method, `${baseUrl}${call.path}`, call.headers, call.body);
}

/** One part (ordinary or hostile): the repetitions one after another, then one more with the probes. */
async function measurePart(api: SpawnedProcess, baseUrl: string, watcher: Client, part: Part, probeIndex: number, name: string): Promise<HostileCost> {
  const pid = api.child.pid as number;
  const statuses: Record<string, number> = {};
  let requestBytes = 0;
  let answerBytes = 0;
  const backendsBefore = await apiBackends(watcher);
  resetPeakMemory(pid);
  const rssBeforeKb = readStatusKb(pid, 'VmRSS');
  const cpuBefore = api.cpuSeconds();
  const repetition = async (index: number) => {
    const call = part.call(index);
    const sent = performance.now();
    const answer = await send(baseUrl, call).catch((error: Error) => {
      throw new Error(`${name}: ${call.method} ${call.path.slice(0, 60)}: ${error.message} after ${Math.round(performance.now() - sent)} ms`);
    });
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    if (!part.expect.includes(answer.status)) throw new Error(`${name}: ${call.method} ${call.path.slice(0, 60)} answered ${answer.status}: ${answer.head.slice(0, 300)}`);
    requestBytes += call.body === undefined ? 0 : Buffer.byteLength(call.body);
    answerBytes += answer.bytes;
  };
  if (part.concurrent) await Promise.all(Array.from({ length: part.repetitions }, (_, index) => repetition(index)));
  else for (let index = 0; index < part.repetitions; index += 1) await repetition(index);
  const apiCpu = api.cpuSeconds() - cpuBefore;
  const apiPeakKb = readStatusKb(pid, 'VmHWM');
  const backendsAfter = await apiBackends(watcher);
  let postgresCpu = 0;
  let postgresPeakKb = 0;
  let postgresPeakBeforeKb = 0;
  for (const [backend, after] of backendsAfter) {
    postgresCpu += after.cpu - (backendsBefore.get(backend)?.cpu ?? 0);
    postgresPeakKb = Math.max(postgresPeakKb, after.peakKb);
  }
  for (const before of backendsBefore.values()) postgresPeakBeforeKb = Math.max(postgresPeakBeforeKb, before.peakKb);
  const probed = await withProbes(baseUrl, () => send(baseUrl, part.call(probeIndex)));
  const per = (value: number) => round(value / part.repetitions);
  return {
    requests: part.repetitions,
    statuses,
    requestBytes: Math.round(requestBytes / part.repetitions),
    answerBytes: Math.round(answerBytes / part.repetitions),
    apiCpuMs: per(apiCpu * 1000),
    postgresCpuMs: per(postgresCpu * 1000),
    apiPeakMb: round(apiPeakKb / MB),
    apiGrowthMb: round((apiPeakKb - rssBeforeKb) / MB),
    postgresPeakMb: round(postgresPeakKb / MB),
    postgresGrowthMb: round(Math.max(0, postgresPeakKb - postgresPeakBeforeKb) / MB),
    eventLoopBlockMs: round(probed.maxMs),
    probes: probed.probes,
  };
}

const ratio = (hostile: number, ordinary: number) => round(hostile / Math.max(ordinary, 0.01));

/** One case on its own API process: warm-up with the ordinary request, then ordinary, then hostile. */
export async function measureCase(options: HostileOptions, watcher: Client, definition: CaseDefinition): Promise<HostileCase> {
  await definition.prepare?.();
  const { api, baseUrl } = await startBenchApi(options, `api-hostile-${definition.key}`, { FAILED_AUTH_LIMIT: '20' });
  try {
    const warmUps = Math.min(5, definition.ordinary.repetitions);
    for (let index = 0; index < warmUps; index += 1) await send(baseUrl, definition.ordinary.call(definition.ordinary.repetitions + 1 + index));
    const ordinary = await measurePart(api, baseUrl, watcher, definition.ordinary, definition.ordinary.repetitions, 'ordinary');
    const hostile = await measurePart(api, baseUrl, watcher, definition.hostile, definition.hostile.repetitions, 'worst');
    return {
      key: definition.key,
      route: definition.route,
      caller: definition.caller,
      shape: definition.shape,
      ordinary,
      hostile,
      ratios: {
        apiCpu: ratio(hostile.apiCpuMs, ordinary.apiCpuMs),
        postgresCpu: ratio(hostile.postgresCpuMs, ordinary.postgresCpuMs),
        eventLoopBlock: ratio(hostile.eventLoopBlockMs, ordinary.eventLoopBlockMs),
      },
      ...(definition.note ? { note: definition.note } : {}),
    };
  } catch (error) {
    await new Promise((resolve) => setTimeout(resolve, 500)); // an API that crashed has exited by then
    const alive = api.child.exitCode === null && api.child.signalCode === null;
    return {
      key: definition.key,
      route: definition.route,
      caller: definition.caller,
      shape: definition.shape,
      ordinary: null,
      hostile: null,
      ratios: null,
      skipped: `failed: ${(error as Error).message.slice(0, 300)}${alive ? '' : `; the API exited (${api.child.exitCode ?? api.child.signalCode})`}; the API's last output: ${api.outputTail().slice(-400) || 'none'}`,
    };
  } finally {
    await api.stop();
  }
}
