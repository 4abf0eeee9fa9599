import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A spawned API or worker process, with its memory sampled from /proc while it runs. */
export interface SpawnedProcess {
  name: string;
  child: ChildProcess;
  /** The largest resident set seen (VmHWM, which the kernel keeps), in MB. */
  peakMemoryMb(): number;
  /** CPU time (user + system) used so far, in seconds; 0 where /proc is not available. */
  cpuSeconds(): number;
  /** The last lines it printed, for error messages. */
  outputTail(): string;
  stop(): Promise<void>;
}

export function readStatusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // not Linux, or the process has gone
  }
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node runs on

export function readCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * Starts a process's VmHWM again from its resident set now (`5` to clear_refs: allowed on our own
 * processes), so that the next peak read is one part's. False where that is not possible.
 */
export function resetPeakMemory(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * CPU seconds used so far by each process of this machine whose command is `command` (PostgreSQL's
 * backends, `redis-server`), by pid: the database's and the queue's share of a line, when they run here.
 * Empty where /proc is not readable.
 */
function commandCpuSeconds(command: string, titleFilter?: (title: string) => boolean): Map<number, number> {
  const byPid = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return byPid;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== command) continue;
      if (titleFilter && !titleFilter(readFileSync(`/proc/${entry}/cmdline`, 'utf8'))) continue;
    } catch {
      continue; // gone meanwhile
    }
    byPid.set(Number(entry), readCpuSeconds(Number(entry)));
  }
  return byPid;
}

/** CPU time of this process, and of PostgreSQL's and Redis's processes by pid, at one moment. */
export interface CpuSample {
  bench: number;
  /** Backends serving connections. */
  postgres: Map<number, number>;
  /** PostgreSQL's own processes: autovacuum, WAL writer, checkpointer, background writer. */
  postgresBackground: Map<number, number>;
  redis: Map<number, number>;
}

/** A client backend's title names its database and client: `postgres: 15/main: <user> <db> <host>(<port>) ...`. */
const isClientBackend = (title: string) => /\(\d+\)|\[local\]/.test(title);

export function sampleCpu(): CpuSample {
  const usage = process.cpuUsage();
  return {
    bench: (usage.user + usage.system) / 1e6,
    postgres: commandCpuSeconds('postgres', isClientBackend),
    postgresBackground: commandCpuSeconds('postgres', (title) => !isClientBackend(title)),
    redis: commandCpuSeconds('redis-server'),
  };
}

/** Time spent between two samples by the processes alive at the second (a backend that exited took its time with it). */
function spentSince(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** CPU milliseconds per 1,000 users spent between two samples, by process. */
export function cpuPerThousandUsers(before: CpuSample, after: CpuSample, users: number): Record<string, number> {
  const perThousand = (seconds: number) => Math.round(((seconds * 1000 * 1000) / users) * 10) / 10;
  return {
    postgres: perThousand(spentSince(before.postgres, after.postgres)),
    'postgres-background': perThousand(spentSince(before.postgresBackground, after.postgresBackground)),
    redis: perThousand(spentSince(before.redis, after.redis)),
    bench: perThousand(after.bench - before.bench),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function spawnNode(name: string, script: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): SpawnedProcess {
  const child = spawn(process.execPath, [...nodeArgs, script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let peakKb = 0;
  const sample = () => {
    if (child.pid !== undefined && child.exitCode === null) {
      peakKb = Math.max(peakKb, readStatusKb(child.pid, 'VmHWM'), readStatusKb(child.pid, 'VmRSS'));
    }
  };
  const sampler = setInterval(sample, 250);
  sampler.unref();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    name,
    child,
    peakMemoryMb: () => {
      sample();
      return peakKb / 1024;
    },
    outputTail: () => tail,
    cpuSeconds: () => (child.pid === undefined ? 0 : readCpuSeconds(child.pid)),
    async stop() {
      sample(); // VmHWM is gone once the process has exited
      clearInterval(sampler);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killTimer);
    },
  };
}
