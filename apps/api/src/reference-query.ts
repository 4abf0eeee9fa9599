import { validateRecipientReference, type RecipientReference } from '@prefs/core';
import type { QueryReader } from './page-query';

/**
 * A query parameter listing recipient references (Knock's `recipients[]`, `objects[]`), in each form Knock's
 * SDK sends: user ids as `name[]=u1`; objects after them as `name[][id]=p1&name[][collection]=projects`
 * (paired in order); and a list that starts with an object indexed, `name[0][id]=p1&name[0][collection]=
 * projects&name[1]=u1`. Null when the parameter is absent.
 */

const PART = /^(?<index>\d{0,4})\]$|^(?<bracketIndex>\d{0,4})\]\[(?<field>id|collection)\]$/;

export function readReferences(query: Record<string, unknown>, name: string, reader: QueryReader, max: number): RecipientReference[] | null {
  const prefix = `${name}[`;
  const listed: unknown[] = [];
  const indexed = new Map<number, Record<string, unknown> | string>();
  const unindexed = { id: [] as string[], collection: [] as string[] };
  let present = false;
  let malformed = false;
  for (const [key, raw] of Object.entries(query)) {
    if (!key.startsWith(prefix)) continue;
    present = true;
    const match = PART.exec(key.slice(prefix.length));
    const values = Array.isArray(raw) ? raw : [raw];
    if (!match?.groups || !values.every((value): value is string => typeof value === 'string')) {
      malformed = true;
      continue;
    }
    const { index, bracketIndex, field } = match.groups;
    if (field === undefined) {
      if (index === '') listed.push(...values);
      else if (values.length === 1) indexed.set(Number(index), values[0]);
      else malformed = true;
    } else if (bracketIndex === '') {
      unindexed[field as 'id' | 'collection'].push(...values);
    } else {
      const entry = indexed.get(Number(bracketIndex));
      const object = typeof entry === 'object' ? entry : {};
      if (values.length !== 1 || typeof entry === 'string') malformed = true;
      object[field as string] = values[0];
      indexed.set(Number(bracketIndex), object);
    }
  }
  if (!present) return null;
  if (malformed || unindexed.id.length !== unindexed.collection.length) {
    reader.refuse({ field: name, message: `${name} must list user ids (${name}[]=id) or objects (${name}[][id]=id&${name}[][collection]=collection), each given once`, type: 'invalid_value' });
    return [];
  }
  const sent = [
    ...listed,
    ...unindexed.id.map((id, position) => ({ id, collection: unindexed.collection[position] })),
    ...[...indexed.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry),
  ];
  if (sent.length > max) {
    reader.refuse({ field: name, message: `${name} may list at most ${max} recipients`, type: 'arrayMaxSize' });
    return [];
  }
  const references: RecipientReference[] = [];
  sent.forEach((value, position) => {
    const reference = validateRecipientReference(value, `${name}.${position}`);
    if (reference.ok) references.push(reference.value);
    else for (const error of reference.errors) reader.refuse(error);
  });
  return references;
}
