import { isPlainObject, StoredPropertiesLimitError } from '@prefs/core';
import type { Queryable } from '../client';
import type { Batch, BatchOutcome } from '../operations/progress';
import { InlineSetsRefusedError } from '../preference-set-errors';
import { InvalidOperationInputError } from './errors';
import { invalidPayload, storedCollection, type PayloadSchema } from './payload';

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

/**
 * The payload schema of a keyed-items kind: `items` an object whose every entry is a non-empty list of
 * items, each an object with the entry's key as its `id` and passing `isItem` (what the writer reads).
 */
export function keyedItemsPayload<T extends { id: string }>(isItem: (item: Record<string, unknown>) => item is T & Record<string, unknown>): PayloadSchema<KeyedItemsInput<T>> {
  return (stored) => {
    if (!isPlainObject(stored) || !isPlainObject(stored.items)) return invalidPayload('input.items', 'must be an object of items by key');
    const items: Record<string, T[]> = {};
    for (const [key, group] of Object.entries(stored.items)) {
      const field = `input.items.${key}`;
      if (!Array.isArray(group) || group.length === 0) return invalidPayload(field, 'must be a non-empty list of items');
      const parsed: T[] = [];
      for (const item of group as unknown[]) {
        if (!isPlainObject(item) || item.id !== key || !isItem(item)) return invalidPayload(field, `must hold items whose id is ${JSON.stringify(key)}, as written`);
        parsed.push(item);
      }
      items[key] = parsed;
    }
    return { ok: true, value: { items } };
  };
}

/** The stored input of the objects kinds with items by object id: the path's collection beside them. */
export interface CollectionItemsInput<T> extends KeyedItemsInput<T> {
  collection: string;
}

/** The payload schema of a collection-items kind: `collection` a string, `items` as keyedItemsPayload reads them. */
export function collectionItemsPayload<T extends { id: string }>(isItem: (item: Record<string, unknown>) => item is T & Record<string, unknown>): PayloadSchema<CollectionItemsInput<T>> {
  const itemsPayload = keyedItemsPayload(isItem);
  return (stored) => {
    const collection = storedCollection(stored);
    if (!collection.ok) return collection;
    const items = itemsPayload(stored);
    return items.ok ? { ok: true, value: { collection: collection.value, items: items.value.items } } : items;
  };
}

/** The items of the batch's keys, in key order. */
export function itemsOfBatch<T>(batch: Batch, input: KeyedItemsInput<T>): T[] {
  return batch.keys.flatMap((key) => {
    if (!Object.hasOwn(input.items, key)) {
      throw new InvalidOperationInputError(batch.operation.id, batch.operation.kind, [
        { field: `input.items.${key}`, message: `input.items has no item for key ${key}`, type: 'invalid_input' },
      ]);
    }
    return input.items[key];
  });
}

/** The keys a refusal of the stored limits names, if `error` is one (else null). */
function refusedKeysOf(error: unknown): string[] | null {
  if (error instanceof StoredPropertiesLimitError) return error.ids;
  if (error instanceof InlineSetsRefusedError) return error.refusals.map((refusal) => refusal.recipient.id);
  return null;
}

/**
 * Writes a batch's items with `write` in the batch's transaction `tx`; records that would pass a stored
 * limit (merged properties, `StoredPropertiesLimitError`; an inline set too large or past the count,
 * `InlineSetsRefusedError`) are set aside as error items (with their `collection`, for objects) and the rest written again, so one oversized
 * record fails itself, not the operation. Each attempt runs under a savepoint, so a refused one leaves
 * nothing behind, not even the part it wrote.
 */
export async function writeWithinStoredLimits<T extends { id: string }>(
  tx: Queryable,
  keys: string[],
  items: T[],
  write: (items: T[]) => Promise<unknown>,
  collection: string | null = null,
): Promise<BatchOutcome> {
  const refused = new Set<string>();
  for (;;) {
    await tx.$executeRawUnsafe('SAVEPOINT batch_items');
    try {
      await write(items.filter((item) => !refused.has(item.id)));
      await tx.$executeRawUnsafe('RELEASE SAVEPOINT batch_items');
      break;
    } catch (error) {
      const keysRefused = refusedKeysOf(error);
      if (keysRefused === null || keysRefused.every((id) => refused.has(id))) throw error;
      await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT batch_items');
      await tx.$executeRawUnsafe('RELEASE SAVEPOINT batch_items');
      for (const id of keysRefused) refused.add(id);
    }
  }
  return {
    successCount: keys.length - refused.size,
    errorItems: keys.filter((key) => refused.has(key)).map((id) => ({ id, collection })),
  };
}
