import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

/**
 * `npm start` chooses the ports of the API and the worker before starting them (scripts/lib.sh
 * `usable_port`), so that its banner names the ports they really listen on: with PORT=0 or WORKER_PORT=0
 * it printed port 0, and with a taken port the one the worker had moved away from.
 */
const root = path.join(__dirname, '..', '..');
const usablePort = (wanted: number) => Number(execFileSync('bash', ['-c', `source scripts/lib.sh; usable_port ${wanted}`], { cwd: root, encoding: 'utf8' }));

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
}

const close = (server: net.Server) => new Promise((resolve) => server.close(resolve));

it('gives port 0 a real free port, one a server can then listen on', async () => {
  const port = usablePort(0);
  expect(port).toBeGreaterThan(0);
  await close(await listen(port));
});

it('keeps a free port, and replaces a taken one', async () => {
  const taken = await listen(0);
  const takenPort = (taken.address() as net.AddressInfo).port;
  try {
    const other = usablePort(takenPort);
    expect(other).not.toBe(takenPort);
    expect(other).toBeGreaterThan(0);
  } finally {
    await close(taken);
  }
  expect(usablePort(takenPort)).toBe(takenPort);
});
