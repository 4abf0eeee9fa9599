import type { TenantPosition } from '@prefs/db';

/**
 * Cursors of `GET /v1/tenants`: opaque to clients, base64url of the keyset position (created_at, tenant
 * id), like those of the operations listing. Anything that is not one decodes to null.
 */
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_ID_LENGTH = 255;
/** A tenant id of 255 characters of up to 4 UTF-8 bytes each, JSON-escaped, in base64: well under this. */
const MAX_CURSOR_LENGTH = 4096;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]|\p{Cs}/u;

export function encodeTenantCursor(position: TenantPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

export function decodeTenantCursor(cursor: string): TenantPosition | null {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return null;
  const [createdAt, id] = decoded as unknown[];
  if (typeof createdAt !== 'string' || !ISO_MILLIS.test(createdAt) || Number.isNaN(Date.parse(createdAt))) return null;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH || CONTROL_CHARACTERS.test(id)) return null;
  return { createdAt, id };
}
