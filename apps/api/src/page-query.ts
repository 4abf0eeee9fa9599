import type { FieldError } from '@prefs/core';
import { InvalidParams } from './errors';

/**
 * The query of every listing, read in one place: Knock's page size, the cursor codec, and a reader that
 * names every bad parameter in one 422. Cursors are opaque to clients (as Knock's are): base64url of a
 * keyset position (a timestamp with milliseconds and an id), so that a client can only hand back what it
 * was given; anything else is refused.
 */

/** Knock's page size: 50 by default, and at most. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 50;

/** How one listing pages: what a valid id is, how long its cursors may be, and its keyset position. */
export interface Listing<Position extends { id: string }> {
  cursorMaxLength: number;
  isId: (id: string) => boolean;
  /** Whether it pages backwards too (`before`); if not, `before` is not read. */
  backward: boolean;
  position: (at: string, id: string) => Position;
  at: (position: Position) => string;
}

export interface PageQuery<Position> {
  pageSize: number;
  after: Position | null;
  before: Position | null;
}

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

function decodeCursor(cursor: string, maxLength: number, isId: (id: string) => boolean): { at: string; id: string } | null {
  if (cursor.length === 0 || cursor.length > maxLength || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return null;
  const [at, id] = decoded as unknown[];
  if (typeof at !== 'string' || !ISO_MILLIS.test(at) || Number.isNaN(Date.parse(at))) return null;
  if (typeof id !== 'string' || !isId(id)) return null;
  return { at, id };
}

/** The cursor of a place in a listing in a fixed order (an operation's items): its position, opaque. */
export function encodePositionCursor(position: number): string {
  return Buffer.from(JSON.stringify([position])).toString('base64url');
}

function decodePositionCursor(cursor: string): number | null {
  if (cursor.length === 0 || cursor.length > 40 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 1) return null;
    const [position] = decoded as unknown[];
    return typeof position === 'number' && Number.isSafeInteger(position) && position >= 1 ? position : null;
  } catch {
    return null;
  }
}

/** The `page_info` of a page: the cursors of its neighbours, and its size. */
export function pageInfo<Position extends { id: string }>(listing: Listing<Position>, page: { after: Position | null; before: Position | null }, pageSize: number) {
  const cursor = (position: Position | null) => (position === null ? null : encodeCursor(listing.at(position), position.id));
  return { __typename: 'PageInfo', after: cursor(page.after), before: cursor(page.before), page_size: pageSize };
}

/**
 * Reads one request's query parameters, collecting an error for each bad one; `done()` throws them all as
 * one 422. A listing reads its page first, then its own filters.
 */
export class QueryReader {
  private readonly errors: FieldError[] = [];

  constructor(private readonly query: Record<string, unknown>) {}

  /** One parameter given at most once, as a string; null when absent. */
  text(field: string): string | null {
    const value = this.query[field];
    if (value === undefined) return null;
    if (typeof value === 'string') return value;
    this.errors.push({ field, message: `${field} must be given once, as a string`, type: 'isString' });
    return null;
  }

  /** Records an error found by the caller (a bad filter, a bad path parameter). */
  refuse(error: FieldError): void {
    this.errors.push(error);
  }

  /** `page_size`: Knock's default when absent. */
  pageSize(): number {
    const rawPageSize = this.text('page_size');
    if (rawPageSize === null) return DEFAULT_PAGE_SIZE;
    const pageSize = /^\d{1,3}$/.test(rawPageSize) ? Number(rawPageSize) : NaN;
    if (!(pageSize >= 1 && pageSize <= MAX_PAGE_SIZE)) {
      this.errors.push({ field: 'page_size', message: `page_size must be an integer from 1 to ${MAX_PAGE_SIZE}`, type: 'max' });
    }
    return pageSize;
  }

  /** `after` of a listing in a fixed order (an operation's items): the position it was given, or null. */
  positionCursor(): number | null {
    const raw = this.text('after');
    if (raw === null) return null;
    const position = decodePositionCursor(raw);
    if (position === null) this.errors.push({ field: 'after', message: 'after must be a cursor from a previous page_info', type: 'invalidCursor' });
    return position;
  }

  /** `page_size`, `after` and, for a listing that pages backwards, `before` (but not both cursors). */
  page<Position extends { id: string }>(listing: Listing<Position>): PageQuery<Position> {
    const pageSize = this.pageSize();
    const cursor = (field: 'after' | 'before'): Position | null => {
      const raw = this.text(field);
      if (raw === null) return null;
      const decoded = decodeCursor(raw, listing.cursorMaxLength, listing.isId);
      if (decoded === null) {
        this.errors.push({ field, message: `${field} must be a cursor from a previous page_info`, type: 'invalidCursor' });
        return null;
      }
      return listing.position(decoded.at, decoded.id);
    };
    const after = cursor('after');
    if (!listing.backward) return { pageSize, after, before: null };
    const before = cursor('before');
    if (this.query.after !== undefined && this.query.before !== undefined) {
      this.errors.push({ field: 'before', message: 'give after or before, not both', type: 'conflict' });
    }
    return { pageSize, after, before };
  }

  /** Throws InvalidParams naming every bad parameter, if there is one. */
  done(): void {
    if (this.errors.length > 0) throw new InvalidParams(this.errors);
  }
}
