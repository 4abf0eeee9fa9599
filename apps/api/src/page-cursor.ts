import type { BulkOperationPosition } from '@prefs/db';

/**
 * Page cursors: opaque to clients (as Knock's are), base64url of the keyset position, so that a client
 * can only hand back what it was given. Anything else decodes to null.
 */
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_CURSOR_LENGTH = 200;

export function encodePageCursor(position: BulkOperationPosition): string {
  return Buffer.from(JSON.stringify([position.insertedAt, position.id])).toString('base64url');
}

export function decodePageCursor(cursor: string): BulkOperationPosition | null {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return null;
  const [insertedAt, id] = decoded as unknown[];
  if (typeof insertedAt !== 'string' || typeof id !== 'string' || !ISO_MILLIS.test(insertedAt) || !UUID.test(id)) return null;
  if (Number.isNaN(Date.parse(insertedAt))) return null;
  return { insertedAt, id };
}
