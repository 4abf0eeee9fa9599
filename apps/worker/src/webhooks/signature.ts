import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signatures: for each secret (`whsec_` and base64 key bytes), `v1,` and the base64
 * HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>`; several are separated by spaces, so that a
 * receiver holding either secret verifies during a rotation.
 */
export function webhookSignature(secrets: string[], id: string, timestampSeconds: number, body: string): string {
  const content = `${id}.${timestampSeconds}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).update(content).digest('base64')}`)
    .join(' ');
}
