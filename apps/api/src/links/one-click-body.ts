import Busboy from 'busboy';
import type { IncomingHttpHeaders } from 'node:http';

function isExactlyOneClick(fields: [string, string][]): boolean {
  return fields.length === 1 && fields[0][0] === 'List-Unsubscribe' && fields[0][1] === 'One-Click';
}

function multipartFields(headers: IncomingHttpHeaders, body: Buffer): Promise<[string, string][] | null> {
  return new Promise((resolve) => {
    let parser: Busboy.Busboy;
    try {
      parser = Busboy({ headers, limits: { fields: 2, files: 0, parts: 2, fieldNameSize: 64, fieldSize: 64, headerPairs: 8 } });
    } catch {
      resolve(null); // no or bad boundary
      return;
    }
    const fields: [string, string][] = [];
    let refused = false;
    const refuse = () => {
      refused = true;
    };
    parser.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) refuse();
      fields.push([name, value]);
    });
    parser.on('file', (_name, stream) => {
      refuse();
      stream.resume();
    });
    parser.on('partsLimit', refuse);
    parser.on('filesLimit', refuse);
    parser.on('fieldsLimit', refuse);
    parser.on('error', () => resolve(null));
    parser.on('close', () => resolve(refused ? null : fields));
    parser.end(body);
  });
}

/**
 * Whether a request body is RFC 8058's one-click POST: exactly the field `List-Unsubscribe=One-Click`,
 * as `application/x-www-form-urlencoded` or `multipart/form-data`. Anything else is not.
 */
export async function isOneClickBody(contentType: string | undefined, headers: IncomingHttpHeaders, body: unknown): Promise<boolean> {
  if (!Buffer.isBuffer(body) || body.length === 0) return false;
  const [typePart, ...parameters] = (contentType ?? '').split(';');
  const type = typePart.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    // Read as UTF-8 (its ASCII subset is all RFC 8058 sends); a body declared in another charset is not one.
    const charset = parameters.map((parameter) => parameter.trim().toLowerCase()).find((parameter) => parameter.startsWith('charset='));
    if (charset !== undefined && !['charset=utf-8', 'charset="utf-8"', 'charset=us-ascii'].includes(charset)) return false;
    const text = body.toString('utf8').trim();
    return isExactlyOneClick([...new URLSearchParams(text).entries()]);
  }
  if (type === 'multipart/form-data') {
    const fields = await multipartFields(headers, body);
    return fields !== null && isExactlyOneClick(fields);
  }
  return false;
}
