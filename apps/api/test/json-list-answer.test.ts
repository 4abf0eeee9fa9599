import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { sendJsonBatches, SLICE_MS, type JsonListBatch } from '../src/json-list-answer';

/**
 * A large answer gives the event loop a turn every SLICE_MS of work, whatever the socket does: over
 * loopback the kernel takes each write at once, and the stream then emits 'drain' on the next tick, inside
 * the same turn. Each item here costs 1 ms and is 4 KiB (every slice's write passes the socket's 16 KiB
 * mark), and a timer counts the items made between two of its runs: at most one slice's worth. Waiting for
 * 'drain' as if it were a turn let hundreds through at once (until the kernel's buffers filled); so did a
 * batch's arrival, which awaits only promises.
 */
const ITEM_MS = 1;
const ITEMS = 2000;
const BATCH = 333;

function busyItem(index: number): string {
  const start = performance.now();
  while (performance.now() - start < ITEM_MS);
  return `${index}:${'x'.repeat(4096)}`;
}

it('gives the event loop a turn every slice while it answers, though the socket drains at once', async () => {
  let produced = 0;
  const batches = async function* (): AsyncGenerator<JsonListBatch<number>> {
    // Batches that end inside a slice: the next one starts in a turn of its own, too.
    for (let start = 0; start < ITEMS; start += BATCH) {
      const items = Array.from({ length: Math.min(BATCH, ITEMS - start) }, (_, offset) => start + offset);
      yield { items, produce: (index) => ((produced += 1), busyItem(index)) };
    }
  };
  const app = express();
  app.get('/list', async (_req, res) => {
    await sendJsonBatches(res, 'entries', batches());
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const perTurn: number[] = [];
  let seen = 0;
  let ticking = true;
  const tick = (): void => {
    perTurn.push(produced - seen);
    seen = produced;
    if (ticking) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  try {
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/list`, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    const entries = (JSON.parse(body) as { entries: string[] }).entries;
    expect(entries).toHaveLength(ITEMS);
    expect(entries[ITEMS - 1]).toMatch(new RegExp(`^${ITEMS - 1}:`));
  } finally {
    ticking = false;
    server.close();
  }
  // A slice ends after the item during which SLICE_MS passed: at most SLICE_MS / ITEM_MS + 1 items.
  expect(Math.max(...perTurn)).toBeLessThanOrEqual(SLICE_MS / ITEM_MS + 1);
}, 60_000);
