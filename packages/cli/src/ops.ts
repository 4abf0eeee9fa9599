import { BULK_OPERATION_STATUSES, type BulkOperationResource } from '@prefs/core';
import { ApiClient, ApiRequestError } from './api-client';
import { formatCount } from './progress';
import { InputError } from './users-file';

/** `GET /v1/bulk_operations`: Knock-style cursor pagination. */
export interface BulkOperationPage {
  entries: BulkOperationResource[];
  page_info: { after: string | null; before: string | null; page_size: number };
}

export const MAX_PAGE_SIZE = 50;

export function describeOperation(operation: BulkOperationResource): string {
  const lines = [
    `id:           ${operation.id}`,
    `name:         ${operation.name}`,
    `status:       ${operation.status}`,
    `progress:     ${formatCount(operation.processed_rows)}/${formatCount(operation.estimated_total_rows)} rows` +
      ` (${formatCount(operation.success_count)} succeeded, ${formatCount(operation.error_count)} failed)`,
    `inserted_at:  ${operation.inserted_at}`,
    `started_at:   ${operation.started_at ?? '-'}`,
    `completed_at: ${operation.completed_at ?? '-'}`,
    `failed_at:    ${operation.failed_at ?? '-'}`,
  ];
  if (operation.failure_reason) lines.push(`failure:      ${operation.failure_reason}`);
  if (operation.cancel_requested_at) lines.push(`cancel asked: ${operation.cancel_requested_at}`);
  if (operation.cancelled_at) lines.push(`cancelled_at: ${operation.cancelled_at}`);
  if (operation.error_items.length > 0) {
    lines.push(`failed ids (${operation.error_items.length}):`);
    for (const item of operation.error_items) lines.push(`  ${item.id}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function getOperation(client: ApiClient, id: string, out: NodeJS.WritableStream, json: boolean): Promise<number> {
  const operation = await client.request<BulkOperationResource>('GET', `/v1/bulk_operations/${encodeURIComponent(id)}`);
  out.write(json ? `${JSON.stringify(operation, null, 2)}\n` : describeOperation(operation));
  return operation.status === 'failed' || operation.error_count > 0 ? 1 : 0;
}

/**
 * `POST /v1/bulk_operations/:id/cancel`: prints the operation as the cancel left it. Exits 0 when it ended
 * cancelled (now or before), 1 when its last batch had committed first (it completed); an operation that
 * had ended before is the API's 422, reported as any refusal.
 */
export async function cancelOperation(client: ApiClient, id: string, out: NodeJS.WritableStream, json: boolean): Promise<number> {
  const operation = await client.request<BulkOperationResource>('POST', `/v1/bulk_operations/${encodeURIComponent(id)}/cancel`, { repeatable: true });
  const cancelled = operation.cancelled_at !== null;
  if (json) out.write(`${JSON.stringify(operation, null, 2)}\n`);
  else {
    out.write(cancelled ? 'cancelled\n' : 'too late: the operation completed before the cancel took effect\n');
    out.write(describeOperation(operation));
  }
  return cancelled ? 0 : 1;
}

export interface ListOptions {
  status?: string;
  pageSize?: number;
  after?: string;
  before?: string;
  json: boolean;
}

export function checkListOptions(options: ListOptions): void {
  if (options.status !== undefined && !(BULK_OPERATION_STATUSES as readonly string[]).includes(options.status)) {
    throw new InputError(`--status must be one of ${BULK_OPERATION_STATUSES.join(', ')}, got "${options.status}"`);
  }
  if (options.pageSize !== undefined && (!Number.isInteger(options.pageSize) || options.pageSize < 1 || options.pageSize > MAX_PAGE_SIZE)) {
    throw new InputError(`--page-size must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
}

export async function listOperations(client: ApiClient, options: ListOptions, out: NodeJS.WritableStream): Promise<number> {
  checkListOptions(options);
  let page: BulkOperationPage;
  try {
    page = await client.request<BulkOperationPage>('GET', '/v1/bulk_operations', {
      query: { status: options.status, page_size: options.pageSize, after: options.after, before: options.before },
    });
  } catch (error) {
    if (error instanceof ApiRequestError && error.status === 404) {
      throw new ApiRequestError(404, error.code, `this server does not list bulk operations (GET /v1/bulk_operations answered 404: ${error.message})`);
    }
    throw error;
  }
  if (options.json) {
    out.write(`${JSON.stringify(page, null, 2)}\n`);
    return 0;
  }
  if (page.entries.length === 0) {
    out.write('No bulk operations.\n');
  } else {
    const rows = page.entries.map((operation) => [
      operation.id,
      operation.status,
      `${formatCount(operation.processed_rows)}/${formatCount(operation.estimated_total_rows)}`,
      formatCount(operation.success_count),
      formatCount(operation.error_count),
      operation.inserted_at,
    ]);
    const header = ['ID', 'STATUS', 'PROCESSED', 'SUCCEEDED', 'FAILED', 'INSERTED_AT'];
    const widths = header.map((name, column) => Math.max(name.length, ...rows.map((row) => row[column].length)));
    for (const row of [header, ...rows]) out.write(`${row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()}\n`);
  }
  // The commands for the neighbouring pages, ready to paste, with the same filters.
  const filters = [options.status ? `--status ${options.status}` : '', options.pageSize ? `--page-size ${options.pageSize}` : ''].filter(Boolean);
  const command = (cursor: string) => ['prefs ops list', ...filters, cursor].join(' ');
  if (page.page_info.after) out.write(`\nolder: ${command(`--after ${page.page_info.after}`)}\n`);
  if (page.page_info.before) out.write(`${page.page_info.after ? '' : '\n'}newer: ${command(`--before ${page.page_info.before}`)}\n`);
  return 0;
}
