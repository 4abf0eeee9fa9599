import type { Request, RequestHandler, Response } from 'express';
import { PayloadTooLarge, ServiceUnavailable } from './errors';

/** Whether a request carries a body (a declared length above 0, or a chunked one). */
export function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

interface Reservation {
  bytes: number;
  state: 'waiting' | 'held' | 'done';
  grant: () => void;
  refuse: () => void;
  timer?: NodeJS.Timeout;
}

/**
 * The bytes of request bodies being read and handled at once, bounded per app (one app per process):
 * a body is let in only while its size fits in the budget, so concurrent maximal bodies cannot exhaust
 * the heap. A body reserves its declared length (or, chunked, its limit: at most that much is read)
 * before a byte of it is read, and frees it when its response is done. A body that does not fit waits
 * up to `waitMs`, in arrival order, and is then refused with 503 and `Retry-After`.
 */
export class BodyBudget {
  private used = 0;
  private readonly queue: Reservation[] = [];

  constructor(
    readonly totalBytes: number,
    private readonly waitMs: number,
  ) {}

  /** Bytes reserved now (for tests and metrics). */
  get bytesInUse(): number {
    return this.used;
  }

  /**
   * Before a body parser: refuses a declared length over the caller's limit (413, unread), and otherwise
   * holds the body's bytes in the budget until the response is done.
   */
  guard(limitOf: (res: Response) => number): RequestHandler {
    return async (req, res, next) => {
      if (!hasBody(req)) return next();
      const limit = limitOf(res);
      const declared = req.headers['content-length'] === undefined ? null : Number(req.headers['content-length']);
      if (declared !== null && declared > limit) throw new PayloadTooLarge(limit);
      const reservation: Reservation = { bytes: declared ?? limit, state: 'waiting', grant: () => undefined, refuse: () => undefined };
      const end = () => this.end(reservation);
      res.once('finish', end);
      res.once('close', end);
      await new Promise<void>((resolve, reject) => {
        reservation.grant = resolve;
        reservation.refuse = () => reject(new ServiceUnavailable('Too many request bodies are being read at once; retry after Retry-After seconds'));
        this.settle(reservation);
      });
      next();
    };
  }

  /** Lets the reservation in, queues it for up to `waitMs`, or refuses it. */
  private settle(reservation: Reservation): void {
    if (reservation.state !== 'waiting') return;
    if (this.queue.length === 0 && this.fits(reservation)) {
      this.hold(reservation);
      return;
    }
    if (this.waitMs === 0 || reservation.bytes > this.totalBytes) {
      this.refuse(reservation);
      return;
    }
    this.queue.push(reservation);
    reservation.timer = setTimeout(() => this.refuse(reservation), this.waitMs);
    reservation.timer.unref();
  }

  private fits(reservation: Reservation): boolean {
    return this.used + reservation.bytes <= this.totalBytes;
  }

  private hold(reservation: Reservation): void {
    reservation.state = 'held';
    this.used += reservation.bytes;
    reservation.grant();
  }

  private refuse(reservation: Reservation): void {
    if (reservation.state !== 'waiting') return;
    this.dequeue(reservation);
    reservation.state = 'done';
    reservation.refuse();
    this.drain();
  }

  /** The response is done (or the client went away): free the bytes, or leave the queue. */
  private end(reservation: Reservation): void {
    if (reservation.state === 'waiting') return this.refuse(reservation);
    if (reservation.state === 'done') return;
    reservation.state = 'done';
    this.used -= reservation.bytes;
    this.drain();
  }

  private dequeue(reservation: Reservation): void {
    clearTimeout(reservation.timer);
    const index = this.queue.indexOf(reservation);
    if (index >= 0) this.queue.splice(index, 1);
  }

  /** Lets waiting bodies in, first come first served, while they fit. */
  private drain(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0])) {
      const next = this.queue.shift() as Reservation;
      clearTimeout(next.timer);
      this.hold(next);
    }
  }
}
