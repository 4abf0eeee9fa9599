import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { validateUserId } from '@prefs/core';

/** A problem with an input file the user must fix: reported as is, exit code 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Reads and parses a JSON file (a leading BOM allowed); a missing or broken file is an InputError naming `what`. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`${what} ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch (error) {
    throw new InputError(`${what} ${file}: not valid JSON (${(error as Error).message})`);
  }
}

export interface UserIdList {
  /** Distinct ids, in the order of their first appearance in the file. */
  ids: string[];
  /** Ids seen more than once (each repeat counted). */
  duplicates: number;
  format: 'csv' | 'json';
}

const ID_COLUMNS = ['user_id', 'id'];

/**
 * Reads user ids from a CSV file (one id per line, or a column named `user_id` or `id` in a header line)
 * or a JSON file (an array of strings, or of objects with an `id`). A CSV file is streamed line by line;
 * a JSON file is parsed whole, which is fine far beyond a million ids (tens of MB).
 */
export async function readUserIds(file: string): Promise<UserIdList> {
  const format = await detectFormat(file);
  const seen = new Set<string>();
  let duplicates = 0;
  const add = (id: string, where: string) => {
    const problem = validateUserId(id);
    if (problem) throw new InputError(`users file ${file}: ${where}: a user id must be 1 to 255 characters without control characters, got ${JSON.stringify(id.slice(0, 300))}`);
    if (seen.has(id)) duplicates += 1;
    else seen.add(id);
  };
  if (format === 'json') await readJsonIds(file, add);
  else await readCsvIds(file, add);
  if (seen.size === 0) throw new InputError(`users file ${file}: no user ids found`);
  return { ids: [...seen], duplicates, format };
}

async function detectFormat(file: string): Promise<'csv' | 'json'> {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.csv' || extension === '.txt') return 'csv';
  // Anything else: a file whose first non-blank character opens an array is JSON.
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new InputError(`users file ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  try {
    const buffer = Buffer.alloc(1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart().startsWith('[') ? 'json' : 'csv';
  } finally {
    await handle.close();
  }
}

async function readJsonIds(file: string, add: (id: string, where: string) => void): Promise<void> {
  const parsed = await readJsonFile(file, 'users file');
  if (!Array.isArray(parsed)) throw new InputError(`users file ${file}: expected a JSON array of user ids (strings, or objects with an "id")`);
  parsed.forEach((item: unknown, index) => {
    if (typeof item === 'string') return add(item, `item ${index}`);
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      const record = item as Record<string, unknown>;
      const id = record.id ?? record.user_id;
      if (typeof id === 'string') return add(id, `item ${index}`);
    }
    throw new InputError(`users file ${file}: item ${index} must be a string or an object with a string "id", got ${JSON.stringify(item)?.slice(0, 100)}`);
  });
}

/** Splits one CSV line into fields (RFC 4180 quoting: "a,b" and "" for a quote). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else {
      field += char;
    }
  }
  fields.push(field);
  return fields.map((value) => value.trim());
}

async function readCsvIds(file: string, add: (id: string, where: string) => void): Promise<void> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error: NodeJS.ErrnoException) =>
      reject(new InputError(`users file ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)),
    );
  });
  await opened;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNumber = 0;
  let column = 0;
  let firstLine = true;
  try {
    for await (const rawLine of lines) {
      lineNumber += 1;
      const line = lineNumber === 1 ? rawLine.replace(/^\uFEFF/, '') : rawLine;
      if (line.trim() === '') continue;
      const fields = splitCsvLine(line);
      if (firstLine) {
        firstLine = false;
        const names = fields.map((name) => name.toLowerCase());
        const named = ID_COLUMNS.map((name) => names.indexOf(name)).find((index) => index >= 0);
        if (named !== undefined) {
          column = named;
          continue; // a header line
        }
        if (fields.length > 1) {
          throw new InputError(`users file ${file}: line ${lineNumber} has ${fields.length} columns but none is named "user_id" or "id"`);
        }
      }
      const id = fields[column];
      if (id === undefined) throw new InputError(`users file ${file}: line ${lineNumber} has no column ${column + 1}`);
      add(id, `line ${lineNumber}`);
    }
  } finally {
    stream.destroy();
  }
}

/** Splits ids into groups of at most `size`: one bulk operation each. */
export function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
