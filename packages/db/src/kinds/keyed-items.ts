import type { Batch } from '../operations/progress';

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
