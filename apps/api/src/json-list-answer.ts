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

/**
 * Answers 200 `{ "<key>": [...] }`, producing and serialising one item at a time: the event loop gets a
 * turn every SLICE_MS (so other requests, a health check, are answered meanwhile), and the answer is never
 * held whole, as objects or as text (a traced evaluation of 1,000 recipients can exceed what one string holds).
 */
export async function sendJsonList<T>(res: Response, key: string, items: readonly T[], produce: (item: T) => unknown): Promise<void> {
  res.status(200).type('json');
  let pending = `{${JSON.stringify(key)}:[`;
  let sliceStart = performance.now();
  for (let index = 0; index < items.length; index += 1) {
    if (res.destroyed) return; // the caller went away: nobody reads the rest
    pending += (index === 0 ? '' : ',') + JSON.stringify(produce(items[index]));
    const sliceOver = performance.now() - sliceStart >= SLICE_MS;
    if (pending.length >= WRITE_BYTES || sliceOver) {
      const accepted = res.write(pending);
      pending = '';
      if (!accepted) await drained(res);
      else if (sliceOver) await nextTurn();
      sliceStart = performance.now();
    }
  }
  res.end(`${pending}]}`);
}
