import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { USERS_COLLECTION, type PreferenceDocument } from '@prefs/core';
import { useTestEnvironment } from '@prefs/testing';
import { upsertOneSetSql } from '../src/preference-sets';

/**
 * A merge's cost in PostgreSQL grows linearly with its patch: the backend's peak memory (VmHWM, read from
 * /proc for the backend that ran the statement) for patches of 1x, 2x and 4x the size grows by at most
 * 2.4x per doubling. Sizes stay small (the server is shared): before the fix, 5/10/20 KB grew the
 * backend by 28/55/167 MB.
 */
const env = useTestEnvironment();

/** `kb` KiB of `workflows`: objects of objects (the function's path) or booleans (the compiled path). */
const SHAPES = {
  objects: (kb: number) => {
    const workflows: Record<string, unknown> = {};
    for (let index = 0; JSON.stringify(workflows).length < kb * 1024; index += 1) workflows[`workflow-${index}`] = { channel_types: { email: index % 2 === 0, sms: null } };
    return { workflows };
  },
  values: (kb: number) => {
    const workflows: Record<string, unknown> = {};
    for (let index = 0; JSON.stringify(workflows).length < kb * 1024; index += 1) workflows[`workflow-${index}`] = index % 4 === 0 ? null : index % 2 === 0;
    return { workflows, categories: { news: { channel_types: { email: true } } } };
  },
} as const;

function peakKb(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/** The backend's peak memory growth (KiB) for one merge of `patch` into a stored set, on a fresh connection. */
async function mergeGrowth(patch: PreferenceDocument, userId: string): Promise<number> {
  const client = new Client({ connectionString: env.databaseUrl });
  await client.connect();
  try {
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await client.query(
      `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences) VALUES ($1::uuid, $2, $3, 'default', '{"workflows": {"workflow-1": true}}')`,
      [env.environmentId, USERS_COLLECTION, userId],
    );
    const before = peakKb(pid);
    const write = upsertOneSetSql('merge', patch);
    await client.query(write.sql, [env.environmentId, USERS_COLLECTION, userId, 'default', ...write.params]);
    return peakKb(pid) - before;
  } finally {
    await client.end();
  }
}

it.each(Object.keys(SHAPES) as (keyof typeof SHAPES)[])('a merge of %s grows the backend at most 2.4x per doubling of the patch', async (shape) => {
  const growth: number[] = [];
  for (const kb of [8, 16, 32]) growth.push(await mergeGrowth(SHAPES[shape](kb) as PreferenceDocument, `${shape}-${kb}`));
  // Below 1 MiB is noise (the allocator's own steps), not growth with the patch.
  const floor = 1024;
  const [one, two, four] = growth.map((kb) => Math.max(kb, floor));
  expect({ shape, growth, ratios: [two / one, four / two] }).toEqual({ shape, growth, ratios: [expect.any(Number), expect.any(Number)] });
  expect(two / one).toBeLessThanOrEqual(2.4);
  expect(four / two).toBeLessThanOrEqual(2.4);
  expect(Math.max(...growth)).toBeLessThan(64 * 1024);
});
