import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A real Redis Cluster of three masters (no replicas), each a `redis-server` process on a free port of
 * 127.0.0.1 with its data (AOF, `appendfsync always`) and `nodes.conf` in a directory of its own, so a
 * master killed and restarted comes back with its slots and its keys. For tests of the cluster support.
 */
export class RedisClusterServers {
  private readonly processes = new Map<number, ChildProcess>();

  private constructor(
    readonly ports: number[],
    readonly dir: string,
  ) {}

  /** Starts three masters, assigns the slots (`redis-cli --cluster create`) and waits for `cluster_state:ok`. */
  static async start(): Promise<RedisClusterServers> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prefs-redis-cluster-'));
    const ports: number[] = [];
    while (ports.length < 3) {
      const port = await freeClusterPort(ports);
      ports.push(port);
    }
    const cluster = new RedisClusterServers(ports, dir);
    for (const port of ports) await cluster.startNode(port);
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    await cluster.waitForState('ok');
    return cluster;
  }

  /** `redis+cluster://127.0.0.1:a,127.0.0.1:b,127.0.0.1:c`: the form REDIS_URL takes for a cluster. */
  get url(): string {
    return `redis+cluster://${this.ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
  }

  /** The port of the master that serves `key`'s slot. */
  async masterOf(key: string): Promise<number> {
    const [first] = this.ports;
    const slot = Number(await this.cli(first, 'CLUSTER', 'KEYSLOT', key));
    const nodes = await this.cli(first, 'CLUSTER', 'NODES');
    for (const line of nodes.split('\n')) {
      const [, address, flags, , , , , , ...ranges] = line.split(' ');
      if (!flags?.includes('master')) continue;
      for (const range of ranges) {
        const [from, to = from] = range.split('-').map(Number);
        if (slot >= from && slot <= to) return Number(address.split(':')[1].split('@')[0]);
      }
    }
    throw new Error(`no master serves slot ${slot}`);
  }

  /** Keys matching `pattern` stored on one node (SCAN). */
  async keysOn(port: number, pattern: string): Promise<string[]> {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--scan', '--pattern', pattern]);
    return stdout.split('\n').filter((key) => key !== '');
  }

  /** SIGKILL one master: its slots are unavailable until `restartNode`. */
  async killNode(port: number): Promise<void> {
    const child = this.processes.get(port);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.processes.delete(port);
  }

  /** Starts a killed master again, from its own AOF and nodes.conf, and waits for the cluster to be whole. */
  async restartNode(port: number): Promise<void> {
    await this.startNode(port);
    await this.waitForState('ok');
  }

  async stop(): Promise<void> {
    for (const port of [...this.processes.keys()]) await this.killNode(port);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async startNode(port: number): Promise<void> {
    const nodeDir = path.join(this.dir, String(port));
    fs.mkdirSync(nodeDir, { recursive: true });
    const child = spawn(
      'redis-server',
      [
        '--port', String(port),
        '--cluster-port', String(port + 10000),
        '--bind', '127.0.0.1',
        '--dir', nodeDir,
        '--cluster-enabled', 'yes',
        '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', '2000',
        '--appendonly', 'yes',
        '--appendfsync', 'always',
        '--save', '',
        '--daemonize', 'no',
        '--logfile', path.join(nodeDir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    this.processes.set(port, child);
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        if ((await this.cli(port, 'PING')) === 'PONG') return;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error(`redis-server on ${port} exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async waitForState(state: 'ok'): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const answers = await Promise.all(this.ports.map((p) => this.cli(p, 'CLUSTER', 'INFO').catch(() => '')));
      if (answers.every((info) => info.includes(`cluster_state:${state}`))) return;
      if (Date.now() > deadline) throw new Error(`the cluster did not reach cluster_state:${state}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async cli(port: number, ...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
    return stdout.trim();
  }
}

/** A port free for a node and for its cluster bus (port + 10000). */
async function freeClusterPort(taken: number[]): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.includes(port)) continue;
    if ((await isFree(port)) && (await isFree(port + 10000))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
