import http from 'node:http';
import { Client } from 'pg';
import { MAX_EVALUATION_RECIPIENTS, MAX_WORKFLOW_CATEGORIES, PREFERENCE_SET_LIMITS } from '@prefs/core';
import { useApiTestContext } from './api-test-context';

/**
 * The evaluate answer gives the event loop turns while it decides (json-list-answer.ts): with the largest
 * evaluation in flight (1,000 recipients, each with a stored set of conditions up to the 64 KiB limit, 50
 * categories asked), a health check sent once the answer has begun is answered before the answer ends.
 * The order of the two answers is asserted, never a time: without the turns the health check waits for
 * the whole evaluation. The client runs in the API's process, so it only sees the answer begin in a turn.
 */
const ctx = useApiTestContext();

const categories = Array.from({ length: MAX_WORKFLOW_CATEGORIES }, (_, index) => `category-${String(index).padStart(2, '0')}`);

/** A set of `bytes` of JSON text: every asked category with as many passing conditions as fit, so each is evaluated. */
function setOfSize(bytes: number): Record<string, unknown> {
  const condition = { variable: 'recipient.plan', operator: 'equal_to', argument: 'pro' };
  const document: { categories: Record<string, { conditions: unknown[] }> } = { categories: {} };
  for (const category of categories) document.categories[category] = { conditions: [] };
  for (let index = 0; JSON.stringify(document).length < bytes; index += 1) {
    document.categories[categories[index % categories.length]].conditions.push(condition);
  }
  return document;
}

const recipients = Array.from({ length: MAX_EVALUATION_RECIPIENTS }, (_, index) => ({ id: `turns-${String(index).padStart(4, '0')}`, plan: 'pro' }));

beforeAll(async () => {
  const client = new Client({ connectionString: ctx.env.databaseUrl });
  await client.connect();
  try {
    // jsonb holds many small objects in more bytes than their JSON text: the largest set PostgreSQL accepts.
    let bytes = PREFERENCE_SET_LIMITS.bytes;
    const stored = async (text: string) => (await client.query<{ size: number }>('SELECT pg_column_size($1::jsonb) AS size', [text])).rows[0].size;
    while ((await stored(JSON.stringify(setOfSize(bytes)))) > PREFERENCE_SET_LIMITS.bytes) bytes -= 1024;
    await client.query(
      `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
       SELECT $1::uuid, '$users', id, 'default', $2::jsonb FROM unnest($3::text[]) AS id`,
      [ctx.env.environmentId, JSON.stringify(setOfSize(bytes)), recipients.map((recipient) => recipient.id)],
    );
  } finally {
    await client.end();
  }
});

interface Finished {
  status: number;
  body: string;
}

/** Sends a request; `onFirstByte` runs when the first chunk of its answer arrives. */
function send(method: string, path: string, headers: Record<string, string>, body: string | undefined, onFirstByte?: () => void): Promise<Finished> {
  const url = new URL(ctx.api.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        if (chunks.length === 0) onFirstByte?.();
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

it('answers a health check sent while the largest evaluation is being answered, before that answer ends', async () => {
  const order: string[] = [];
  let health: Promise<Finished> | null = null;
  const body = JSON.stringify({ recipients, workflow: { key: 'digest', categories }, channel: { type: 'email' } });
  const evaluation = send(
    'POST',
    '/v1/preferences/evaluate',
    { ...ctx.auth(), 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
    body,
    () => {
      order.push('evaluation began');
      health = send('GET', '/healthz', {}, undefined).then((answer) => {
        order.push('health answered');
        return answer;
      });
    },
  ).then((answer) => {
    order.push('evaluation ended');
    return answer;
  });

  const answer = await evaluation;
  expect(health).not.toBeNull();
  expect((await health!).status).toBe(200);
  expect(answer.status).toBe(200);
  const entries = (JSON.parse(answer.body) as { entries: { recipient: string; allowed: boolean }[] }).entries;
  // Every recipient decided on its full set: all conditions pass, so nothing blocks.
  expect(entries.map((entry) => entry.recipient)).toEqual(recipients.map((recipient) => recipient.id));
  expect(entries.every((entry) => entry.allowed)).toBe(true);
  expect(order).toEqual(['evaluation began', 'health answered', 'evaluation ended']);
}, 120_000);
