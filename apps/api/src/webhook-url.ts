import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { webhookAddressRefusal, type FieldError } from '@prefs/core';

/** How long registration waits for a name to resolve. */
const RESOLVE_TIMEOUT_MS = 3_000;

/**
 * Why a webhook URL may not be registered: its host resolves to an address webhooks may not reach, or to
 * none. Every address the name has is judged (the workers judge again at each delivery). Null when it may.
 */
export async function webhookUrlRefusal(url: string, allowPrivate: boolean): Promise<FieldError | null> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  const refuse = (message: string): FieldError => ({ field: 'url', message, type: 'refused_address' });
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    let timer: NodeJS.Timeout | undefined;
    try {
      const resolved = await Promise.race([
        lookup(host, { all: true, verbatim: true }),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), RESOLVE_TIMEOUT_MS);
        }),
      ]);
      addresses = resolved.map((entry) => entry.address);
    } catch {
      return refuse(`url's host ${host} does not resolve`);
    } finally {
      clearTimeout(timer);
    }
  }
  for (const address of addresses) {
    const refusal = webhookAddressRefusal(address, allowPrivate);
    if (refusal) return refuse(`url's host ${host} may not be reached: ${refusal}`);
  }
  return null;
}
