/**
 * Page cursors: opaque to clients (as Knock's are), base64url of a keyset position (a timestamp with
 * milliseconds and an id), so that a client can only hand back what it was given. Anything else decodes
 * to null. Each listing says what a valid id is and how long its cursors may be.
 */
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodePageCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

export function decodePageCursor(cursor: string, maxLength: number, isId: (id: string) => boolean): { at: string; id: string } | null {
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
