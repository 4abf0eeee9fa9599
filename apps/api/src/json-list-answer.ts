import type { Response } from 'express';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Work done between two turns of the event loop: well under the 50 ms one request may hold it. */
export const SLICE_MS = 10;
/** Serialised items gathered before a write: few writes, and a small buffer. */
const WRITE_BYTES = 64 * 1024;

/** Resolves when the socket takes more, or is gone. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Items and how each becomes an entry of the answer. */
export interface JsonListBatch<T> {
  items: readonly T[];
  produce: (item: T) => unknown;
}

/**
 * Where the list goes in the answer: `{ "<key>": [...], ...after }` (`after`: small fields written once
 * the list is, such as a page's `page_info`), or the bare list when `key` is null.
 */
export interface JsonListPlace {
  key: string | null;
  after?: Record<string, unknown>;
}

const placeOf = (place: string | JsonListPlace): JsonListPlace => (typeof place === 'string' ? { key: place } : place);

/**
 * Answers 200 `{ "<key>": [...] }` (or as `place` says), producing and serialising one item at a time:
 * the event loop gets a turn every SLICE_MS (so other requests, a health check, are answered meanwhile),
 * and the answer is never held whole, as objects or as text (a traced evaluation of 1,000 recipients can
 * exceed what one string holds).
 */
export async function sendJsonList<T>(res: Response, place: string | JsonListPlace, items: readonly T[], produce: (item: T) => unknown): Promise<void> {
  await sendJsonBatches(res, place, (async function* () {
    yield { items, produce };
  })());
}

/**
 * As sendJsonList, for items that come in batches (an evaluation reads its recipients' layers a budget of
 * bytes at a time): each batch is produced and written before the next is asked for. The first batch is
 * awaited before the 200 goes out, so a failure to read it is answered as any error is.
 */
export async function sendJsonBatches<T>(res: Response, place: string | JsonListPlace, batches: AsyncIterable<JsonListBatch<T>>): Promise<void> {
  const { key, after = {} } = placeOf(place);
  const iterator = batches[Symbol.asyncIterator]();
  let next = await iterator.next();
  await nextTurn();
  res.status(200).type('json');
  let pending = key === null ? '[' : `{${JSON.stringify(key)}:[`;
  let first = true;
  let sliceStart = performance.now();
  while (!next.done) {
    const { items, produce } = next.value;
    for (const item of items) {
      if (res.destroyed) return; // the caller went away: nobody reads the rest
      pending += (first ? '' : ',') + JSON.stringify(produce(item));
      first = false;
      const sliceOver = performance.now() - sliceStart >= SLICE_MS;
      if (pending.length >= WRITE_BYTES || sliceOver) {
        const accepted = res.write(pending);
        pending = '';
        if (!accepted) await drained(res);
      }
      // A socket that takes the bytes at once emits 'drain' on the next tick, within this same turn: waiting
      // for it lets no one else in, so the slice ends only with a turn of the event loop.
      if (sliceOver) {
        await nextTurn();
        sliceStart = performance.now();
      }
    }
    next = await iterator.next();
    // A batch arrives with its read's parse in the turn that brought it: deciding starts in a turn of its own.
    await nextTurn();
    sliceStart = performance.now();
  }
  const fields = Object.entries(after).map(([name, value]) => `,${JSON.stringify(name)}:${JSON.stringify(value)}`);
  res.end(key === null ? `${pending}]` : `${pending}]${fields.join('')}}`);
}
