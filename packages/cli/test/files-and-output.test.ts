import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backoffDelay, parseRetryAfter } from '../src/api-client';
import { PassThrough } from 'node:stream';
import { createProgressView, renderBar, renderLine } from '../src/progress';
import { chunk, InputError, readUserIds, splitCsvLine } from '../src/users-file';

/** Reading user-id files, and the small pure helpers of the CLI. No services needed. */
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'prefs-cli-unit-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const target = path.join(dir, name);
  await writeFile(target, content);
  return target;
}

describe('readUserIds', () => {
  it('reads one id per line, skipping blank lines and repeats, in first-seen order', async () => {
    const list = await readUserIds(await file('plain.csv', '\uFEFFb\r\na\n\n  c  \nb\n'));
    expect(list).toEqual({ ids: ['b', 'a', 'c'], duplicates: 1, format: 'csv' });
  });

  it('takes the user_id (or id) column of a CSV with a header, with quoted fields', async () => {
    const list = await readUserIds(await file('table.csv', 'name,User_Id,plan\n"Doe, Jane",u1,pro\n"say ""hi""",u2,free\n'));
    expect(list.ids).toEqual(['u1', 'u2']);
    expect((await readUserIds(await file('id.csv', 'id\nx\ny\n'))).ids).toEqual(['x', 'y']);
  });

  it('reads JSON arrays of strings or of objects with an id, whatever the extension', async () => {
    expect((await readUserIds(await file('a.json', '["a","b","a"]'))).ids).toEqual(['a', 'b']);
    expect((await readUserIds(await file('b.json', '[{"id":"a","x":1},{"id":"b"}]'))).ids).toEqual(['a', 'b']);
    expect(await readUserIds(await file('ids', '  ["z"]'))).toMatchObject({ ids: ['z'], format: 'json' });
  });

  it('names the file and the place of what is wrong', async () => {
    await expect(readUserIds(await file('wide.csv', 'name,email\na,b\n'))).rejects.toThrow(/line 1 has 2 columns but none is named "user_id" or "id"/);
    await expect(readUserIds(await file('bad.json', '["a", 7]'))).rejects.toThrow(/item 1 must be a string or an object/);
    await expect(readUserIds(await file('object.json', '{"ids": []}'))).rejects.toThrow(/expected a JSON array/);
    await expect(readUserIds(await file('long.csv', `a\n${'x'.repeat(256)}\n`))).rejects.toThrow(/line 2: a user id must be 1 to 255 characters/);
    await expect(readUserIds(await file('empty.csv', '\n\n'))).rejects.toThrow(/no user ids found/);
    await expect(readUserIds(path.join(dir, 'missing.csv'))).rejects.toThrow(InputError);
  });

  it('streams a million ids from a CSV file and splits them into operations of 1,000', async () => {
    const target = path.join(dir, 'million.csv');
    const out = createWriteStream(target);
    out.write('user_id\n');
    for (let block = 0; block < 1000; block += 1) {
      let text = '';
      for (let i = 0; i < 1000; i += 1) text += `user-${block * 1000 + i}\n`;
      out.write(text);
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));

    const list = await readUserIds(target);
    expect(list.ids.length).toBe(1_000_000);
    expect(list.ids[999_999]).toBe('user-999999');
    const parts = chunk(list.ids, 1000);
    expect(parts.length).toBe(1000);
    expect(parts.every((part) => part.length === 1000)).toBe(true);
  });
});

describe('helpers', () => {
  it('splits CSV lines', () => {
    expect(splitCsvLine('a, "b,c" ,"d""e"')).toEqual(['a', 'b,c', 'd"e']);
    expect(splitCsvLine('single')).toEqual(['single']);
  });

  it('chunks into groups of at most the size', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });

  it('backs off exponentially, with jitter, up to a ceiling', () => {
    expect(backoffDelay(0, () => 0)).toBe(125);
    expect(backoffDelay(0, () => 1)).toBe(250);
    expect(backoffDelay(3, () => 1)).toBe(2000);
    expect(backoffDelay(20, () => 1)).toBe(10_000);
  });

  it('renders progress as a bar and as a plain line', () => {
    const snapshot = { totalUsers: 2500, processedUsers: 1250, failedUsers: 3, operations: 3, submitted: 3, ended: 1, failedOperations: 0, elapsedMs: 65_000 };
    expect(renderBar(snapshot, 10)).toBe('█████░░░░░  50%  1,250/2,500 users  ops 1/3 ended  3 user errors  1m05s');
    expect(renderLine(snapshot)).toBe('progress: 1,250/2,500 users (50%), 1/3 operations ended (3 submitted, 0 failed), 3 user errors, 1m05s');
  });

  it('redraws one line at a terminal, and prints changed lines at most every interval otherwise', () => {
    const snapshot = { totalUsers: 10, processedUsers: 0, failedUsers: 0, operations: 1, submitted: 1, ended: 0, failedOperations: 0, elapsedMs: 0 };
    const terminal = new PassThrough();
    const bar = createProgressView(terminal, { interactive: true });
    bar.update(snapshot);
    bar.log('a message');
    bar.finish({ ...snapshot, processedUsers: 10, ended: 1 });
    const drawn = String(terminal.read());
    expect(drawn.startsWith('\r\x1b[K░')).toBe(true);
    expect(drawn).toContain('\r\x1b[Ka message\n');
    expect(drawn.endsWith('100%  10/10 users  ops 1/1 ended  0s\n')).toBe(true);

    let now = 0;
    const log = new PassThrough();
    const lines = createProgressView(log, { interactive: false, lineIntervalMs: 2000, now: () => now });
    lines.update(snapshot);
    lines.update(snapshot); // unchanged: nothing
    now = 500;
    lines.update({ ...snapshot, processedUsers: 5 }); // changed, but too soon
    now = 2500;
    lines.update({ ...snapshot, processedUsers: 5 });
    lines.finish({ ...snapshot, processedUsers: 10, ended: 1 });
    expect(String(log.read()).split('\n').filter(Boolean).map((line) => line.split(' users')[0])).toEqual([
      'progress: 0/10',
      'progress: 5/10',
      'progress: 10/10',
    ]);
  });
});
