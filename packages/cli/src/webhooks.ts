import { parseArgs } from 'node:util';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from '@prefs/core';
import type { ApiClient } from './api-client';
import { InputError } from './users-file';

/**
 * `prefs webhooks ...`: the environment's webhook endpoints and their deliveries, through the API
 * (/v1/webhooks) with PREFS_API_KEY, one verb per route.
 */
export const WEBHOOKS_HELP = `Usage: prefs webhooks create --url URL --events TYPE[,TYPE...] [--description TEXT]
       prefs webhooks list [--json]
       prefs webhooks get ID
       prefs webhooks update ID [--url URL] [--events TYPES] [--description TEXT] [--enable | --disable]
       prefs webhooks delete ID
       prefs webhooks rotate-secret ID
       prefs webhooks deliveries ID [--status ${WEBHOOK_DELIVERY_STATUSES.join('|')}] [--json]
       prefs webhooks retry ID DELIVERY_ID

Endpoints that are sent the environment's events, signed as Standard Webhooks specifies (webhook-id,
webhook-timestamp, webhook-signature). create and rotate-secret print the signing secret (whsec_...)
once; after a rotation the previous secret keeps signing alongside for 24 hours.

Events: ${WEBHOOK_EVENT_TYPES.join(', ')}

Environment:
  PREFS_API_URL   the API's base URL
  PREFS_API_KEY   a secret key (sk_...) of the environment`;

interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
  created_at: string;
  secret?: string;
}

interface Delivery {
  id: string;
  event_id: string;
  type: string;
  status: string;
  attempts: { at: string; status_code: number | null; error: string | null }[];
  created_at: string;
}

function describeEndpoint(endpoint: Endpoint): string {
  const lines = [
    `id:          ${endpoint.id}`,
    `url:         ${endpoint.url}`,
    `events:      ${endpoint.events.join(', ')}`,
    `enabled:     ${endpoint.enabled ? 'yes' : `no${endpoint.disabled_reason ? ` (${endpoint.disabled_reason})` : ''}`}`,
    `description: ${endpoint.description ?? '-'}`,
    `created_at:  ${endpoint.created_at}`,
  ];
  if (endpoint.secret) lines.push(`secret:      ${endpoint.secret}   (shown once: keep it)`);
  return `${lines.join('\n')}\n`;
}

function describeDelivery(delivery: Delivery): string {
  const last = delivery.attempts[delivery.attempts.length - 1];
  const outcome = last ? (last.status_code !== null ? String(last.status_code) : (last.error ?? '-')) : '-';
  return `${delivery.id}  ${delivery.status.padEnd(9)}  ${delivery.type.padEnd(24)}  ${delivery.event_id}  attempts ${delivery.attempts.length}, last ${outcome}\n`;
}

const OPTIONS = {
  url: { type: 'string' },
  events: { type: 'string' },
  description: { type: 'string' },
  status: { type: 'string' },
  enable: { type: 'boolean' },
  disable: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const COMMANDS: Record<string, number> = { create: 0, list: 0, get: 1, update: 1, delete: 1, 'rotate-secret': 1, deliveries: 1, retry: 2 };

function eventsOf(raw: string): string[] {
  return raw.split(',').map((type) => type.trim()).filter((type) => type !== '');
}

export async function runWebhooks(args: string[], clientOf: () => ApiClient, out: NodeJS.WritableStream): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h') {
    out.write(`${WEBHOOKS_HELP}\n`);
    return command === undefined ? 2 : 0;
  }
  const arity = COMMANDS[command];
  if (arity === undefined) throw new InputError(`unknown webhooks command "${command}" (${Object.keys(COMMANDS).join(', ')})`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InputError(`${(error as Error).message}\n${WEBHOOKS_HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.write(`${WEBHOOKS_HELP}\n`);
    return 0;
  }
  if (positionals.length !== arity) throw new InputError(`webhooks ${command} takes ${arity === 0 ? 'no argument' : arity === 1 ? 'the endpoint id' : 'the endpoint id and the delivery id'}`);
  const path = positionals[0] === undefined ? '/v1/webhooks' : `/v1/webhooks/${encodeURIComponent(positionals[0])}`;
  const client = clientOf();
  const print = (value: unknown, text: string) => out.write(values.json ? `${JSON.stringify(value, null, 2)}\n` : text);

  switch (command) {
    case 'create': {
      if (values.url === undefined || values.events === undefined) throw new InputError('webhooks create needs --url and --events');
      const body = { url: values.url, events: eventsOf(values.events), ...(values.description !== undefined ? { description: values.description } : {}) };
      const endpoint = await client.request<Endpoint>('POST', path, { body });
      print(endpoint, describeEndpoint(endpoint));
      return 0;
    }
    case 'list': {
      const page = await client.request<{ entries: Endpoint[] }>('GET', path, { query: { page_size: 50 } });
      print(page, page.entries.length === 0 ? 'No webhook endpoints.\n' : page.entries.map((endpoint) => `${endpoint.id}  ${endpoint.enabled ? 'enabled ' : 'disabled'}  ${endpoint.url}  ${endpoint.events.join(',')}\n`).join(''));
      return 0;
    }
    case 'get':
    case 'rotate-secret': {
      const endpoint = await client.request<Endpoint>(command === 'get' ? 'GET' : 'POST', command === 'get' ? path : `${path}/rotate_secret`);
      print(endpoint, describeEndpoint(endpoint));
      return 0;
    }
    case 'update': {
      if (values.enable && values.disable) throw new InputError('give --enable or --disable, not both');
      const body = {
        ...(values.url !== undefined ? { url: values.url } : {}),
        ...(values.events !== undefined ? { events: eventsOf(values.events) } : {}),
        ...(values.description !== undefined ? { description: values.description } : {}),
        ...(values.enable || values.disable ? { enabled: values.enable === true } : {}),
      };
      if (Object.keys(body).length === 0) throw new InputError('webhooks update needs something to change (--url, --events, --description, --enable, --disable)');
      const endpoint = await client.request<Endpoint>('PATCH', path, { body });
      print(endpoint, describeEndpoint(endpoint));
      return 0;
    }
    case 'delete':
      await client.request<void>('DELETE', path);
      out.write(`Deleted webhook endpoint ${positionals[0]}.\n`);
      return 0;
    case 'deliveries': {
      const page = await client.request<{ entries: Delivery[] }>('GET', `${path}/deliveries`, { query: { status: values.status, page_size: 50 } });
      print(page, page.entries.length === 0 ? 'No deliveries.\n' : page.entries.map(describeDelivery).join(''));
      return 0;
    }
    default: {
      const delivery = await client.request<Delivery>('POST', `${path}/deliveries/${encodeURIComponent(positionals[1])}/retry`);
      print(delivery, `Delivery ${delivery.id} is pending again.\n`);
      return 0;
    }
  }
}
