import { StoredPropertiesLimitError } from '@prefs/core';
import type { Batch, BatchOutcome } from '../operations/progress';

/**
 * The stored input of kinds with one document per key (tenants.set, users.identify): the request's items
 * grouped by key, in request order within a key, so that a batch writes exactly its keys' items.
 */
export interface KeyedItemsInput<T> {
  items: Record<string, T[]>;
}

/** Groups items by key; the keys come out distinct and sorted, as an operation's keys must be. */
export function groupByKey<T extends { id: string }>(items: T[]): { keys: string[]; input: KeyedItemsInput<T> } {
  const byKey = new Map<string, T[]>();
  for (const item of items) {
    const group = byKey.get(item.id);
    if (group) group.push(item);
    else byKey.set(item.id, [item]);
  }
  const keys = [...byKey.keys()].sort();
  // fromEntries defines own properties, so an id such as "__proto__" stays a key.
  return { keys, input: { items: Object.fromEntries(keys.map((key) => [key, byKey.get(key) as T[]])) } };
}

/** The items of the batch's keys, in key order. */
export function itemsOfBatch<T>(batch: Batch): T[] {
  const items = (batch.operation.input as Partial<KeyedItemsInput<T>> | null)?.items;
  if (typeof items !== 'object' || items === null) throw new Error(`operation ${batch.operation.id} has no items in its input`);
  return batch.keys.flatMap((key) => {
    if (!Object.hasOwn(items, key)) throw new Error(`operation ${batch.operation.id} has no item for key ${key}`);
    return items[key];
  });
}

/**
 * Writes a batch's items with `write`; records whose merged properties would pass the stored limits
 * (`StoredPropertiesLimitError`, thrown before anything is updated) are set aside as error items and the
 * rest written, so one oversized record fails itself, not the operation.
 */
export async function writeWithinStoredLimits<T extends { id: string }>(
  keys: string[],
  items: T[],
  write: (items: T[]) => Promise<unknown>,
): Promise<BatchOutcome> {
  const refused = new Set<string>();
  for (;;) {
    try {
      await write(items.filter((item) => !refused.has(item.id)));
      break;
    } catch (error) {
      if (!(error instanceof StoredPropertiesLimitError) || error.ids.every((id) => refused.has(id))) throw error;
      for (const id of error.ids) refused.add(id);
    }
  }
  return {
    successCount: keys.length - refused.size,
    errorItems: keys.filter((key) => refused.has(key)).map((id) => ({ id, collection: null })),
  };
}
