import { spawn } from 'node:child_process';
import path from 'node:path';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { startApi, type ApiProcess } from '../../apps/api/src/server';
import { LINK_SECRET_CACHE_MS } from '../../apps/api/src/links/link-secret-cache';

/** `prefs link-secrets rotate|list|retire` as a user runs it (the built bin), against a real API's links. */
const BIN = path.join(__dirname, '..', '..', 'packages', 'cli', 'bin', 'prefs.js');

let env: TestEnvironment;
let api: ApiProcess;

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig());
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

function prefs(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: env.databaseUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function pageLink(): Promise<string> {
  const res = await fetch(`${api.url}/v1/users/ann/links`, { method: 'POST', headers: { Authorization: `Bearer ${env.secretKey}` } });
  return ((await res.json()) as { manage_preferences_url: string }).manage_preferences_url;
}
const opens = async (url: string) => (await fetch(url)).status;

it('rotate makes a new current secret; old links work until retire; list shows which is which', async () => {
  const before = await pageLink();
  const rotated = await prefs(['link-secrets', 'rotate', '--environment', 'test']);
  expect(rotated.code).toBe(0);
  const newId = rotated.stdout.split('\t')[0];
  const after = await pageLink();
  expect([await opens(before), await opens(after)]).toEqual([200, 200]);

  const listed = await prefs(['link-secrets', 'list', '--environment', 'test']);
  expect(listed.stdout.split('\n').filter(Boolean).map((line) => line.split('\t')[2])).toEqual(['current', 'verifies']);
  expect(listed.stdout.startsWith(newId)).toBe(true);

  const retired = await prefs(['link-secrets', 'retire', '--environment', 'test']);
  expect(retired.code).toBe(0);
  expect(retired.stdout).toMatch(/\tretired\n$/);
  await new Promise((resolve) => setTimeout(resolve, LINK_SECRET_CACHE_MS + 100));
  expect([await opens(before), await opens(after)]).toEqual([400, 200]);
  expect((await prefs(['link-secrets', 'retire', '--environment', 'test'])).stdout).toContain('nothing to retire');
});

it('refuses an unknown environment or command with a message', async () => {
  const unknown = await prefs(['link-secrets', 'list', '--environment', 'nope']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('no environment named "nope"');
  expect((await prefs(['link-secrets', 'spin', '--environment', 'test'])).code).toBe(2);
  const help = await prefs(['help', 'link-secrets']);
  expect(help.stdout).toContain('prefs link-secrets rotate --environment NAME');
});
