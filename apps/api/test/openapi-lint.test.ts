import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OPENAPI_DOCUMENT } from '../src/openapi-document';

/** The document passes Redocly's recommended rules, warnings included (servers, license, 4XX answers...). */

function lint(document: unknown): { status: number | null; problems: { rule: string; at: string }[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'prefs-openapi-lint-'));
  try {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const result = spawnSync(process.execPath, [path.join(__dirname, 'lint-openapi.mjs'), file], { encoding: 'utf8' });
    if (result.status !== 0 && result.stdout.trim() === '') throw new Error(`the linter did not run: ${result.stderr}`);
    const problems = result.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { rule: string; at: string });
    return { status: result.status, problems };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it('is clean under the recommended rules', () => {
  expect(lint(OPENAPI_DOCUMENT)).toEqual({ status: 0, problems: [] });
});

it('would report an operation without 4XX answers, or a document without license or servers', () => {
  const broken = structuredClone(OPENAPI_DOCUMENT) as unknown as { info: { license?: unknown }; servers?: unknown; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  delete broken.info.license;
  delete broken.servers;
  const responses = broken.paths['/v1/bulk_operations/{id}'].get.responses;
  for (const status of Object.keys(responses)) if (status.startsWith('4')) delete responses[status];
  const { status, problems } = lint(broken);
  expect(status).toBe(1);
  expect(problems.map((problem) => problem.rule)).toEqual(expect.arrayContaining(['info-license', 'operation-4xx-response']));
});
