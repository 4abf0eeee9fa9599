import { Agent, request } from 'node:http';

/**
 * The bench's HTTP client for the timed POSTs: node's own `http` over kept-alive connections. It shares
 * the two cores with the system it measures, so it should cost as little as it can; `fetch` (undici)
 * measured about twice the CPU per 25 KB POST.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface HttpAnswer {
  status: number;
  body: string;
}

export function postJson(url: string, headers: Record<string, string>, body: string): Promise<HttpAnswer> {
  return send('POST', url, { ...headers, 'content-length': String(Buffer.byteLength(body)) }, body);
}

export function getJson(url: string, headers: Record<string, string>): Promise<HttpAnswer> {
  return send('GET', url, headers);
}

function send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** An answer counted, not kept: a traced evaluation can be tens of MB, which the bench need not hold. */
export interface CountedAnswer {
  status: number;
  bytes: number;
  /** The first KiB, for error messages. */
  head: string;
}

/** Any request (`content-length` set from the body), its answer's bytes counted and dropped. */
export function sendCounted(method: string, url: string, headers: Record<string, string>, body?: string | Buffer): Promise<CountedAnswer> {
  const sentHeaders = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: sentHeaders }, (res) => {
      let bytes = 0;
      let head = '';
      res.on('data', (chunk: Buffer) => {
        if (head.length < 1024) head += chunk.subarray(0, 1024 - head.length).toString('utf8');
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, head }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
