import { useTestEnvironment, seededRandom } from '@prefs/testing';
import { mergePreferences, type PreferenceDocument } from '@prefs/core';
import { COMPILED_MAX_OBJECTS, compileMerge } from '../src/merge-sql';

/**
 * The merge compiled to SQL must give what core's merge gives, for any stored value and any patch:
 * seeded random documents, merged both ways, compared.
 */

const env = useTestEnvironment();

// Keys that quote, escape or look like SQL, parameters or JSON paths.
const KEYS = ['a', 'b', 'email', 'channel_types', 'conditions', "it's", 'with space', '$1', '?', '{x,y}', 'é', '"q"', 'back\\slash', '-', '__proto__'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function generate(next: () => number, depth: number, nullProbability: number): Json {
  const pick = next();
  if (depth > 0 && pick < 0.45) {
    const object: { [key: string]: Json } = {};
    const size = Math.floor(next() * 5);
    for (let index = 0; index < size; index += 1) {
      const key = KEYS[Math.floor(next() * KEYS.length)];
      Object.defineProperty(object, key, { value: generate(next, depth - 1, nullProbability), enumerable: true, writable: true, configurable: true });
    }
    return object;
  }
  if (pick < nullProbability + 0.45) return null;
  if (pick < 0.65) return next() < 0.5;
  if (pick < 0.75) return Math.floor(next() * 100) - 50;
  if (pick < 0.85) return KEYS[Math.floor(next() * KEYS.length)];
  return [null, next() < 0.5, { variable: 'recipient.plan', argument: null }];
}

async function mergeInSql(stored: Json | undefined, patch: PreferenceDocument): Promise<unknown> {
  const compiled = compileMerge(patch, 2);
  const rows = await env.db.$queryRawUnsafe<{ merged: string }[]>(
    `SELECT (${compiled.into('stored.value')})::text AS merged FROM (SELECT $1::jsonb AS value) AS stored`,
    stored === undefined ? null : JSON.stringify(stored),
    ...compiled.params,
  );
  return JSON.parse(rows[0].merged);
}

/** The function large patches go to, called directly on the same pairs. */
async function mergeInFunction(stored: Json | undefined, patch: PreferenceDocument): Promise<unknown> {
  const rows = await env.db.$queryRawUnsafe<{ merged: string }[]>(
    'SELECT prefs_merge_preferences($1::jsonb, $2::jsonb)::text AS merged',
    stored === undefined ? null : JSON.stringify(stored),
    JSON.stringify(patch),
  );
  return JSON.parse(rows[0].merged);
}

describe('compileMerge', () => {
  it('merges as core does, for 400 seeded pairs of stored sets and patches', async () => {
    const next = seededRandom(20261128);
    let compared = 0;
    for (let index = 0; compared < 400; index += 1) {
      const patch = generate(next, 4, 0.15);
      if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) continue;
      // No stored set, a stored object, or (at any depth) values of any type to merge into.
      const stored = index % 5 === 0 ? undefined : (generate(next, 4, 0) as Json);
      const storedObject = typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? stored : undefined;
      if (stored !== undefined && storedObject === undefined) continue; // core refuses it; the batch does too (tested elsewhere)
      const expected = mergePreferences((storedObject ?? null) as PreferenceDocument | null, patch as PreferenceDocument);
      const context = `case ${index}: stored ${JSON.stringify(stored)}, patch ${JSON.stringify(patch)}`;
      expect({ context, merged: await mergeInSql(stored, patch as PreferenceDocument) }).toEqual({ context, merged: expected });
      expect({ context, merged: await mergeInFunction(stored, patch as PreferenceDocument) }).toEqual({ context, merged: expected });
      compared += 1;
    }
  });

  it('builds maps larger than one jsonb_build_object call takes', async () => {
    const patch: Record<string, boolean | null> = {};
    for (let index = 0; index < 260; index += 1) patch[`workflow-${index}`] = index % 3 === 0 ? null : index % 2 === 0;
    const stored = { 'workflow-0': true, 'workflow-1': { channel_types: { email: true } }, other: 'kept' };
    const merged = await mergeInSql({ workflows: stored }, { workflows: patch } as PreferenceDocument);
    expect(merged).toEqual(mergePreferences({ workflows: stored } as PreferenceDocument, { workflows: patch } as PreferenceDocument));
    expect(merged).toEqual({ workflows: expect.objectContaining({ other: 'kept', 'workflow-1': false, 'workflow-2': true }) });
  });

  it('sends a patch of more objects than it compiles to the function, with the same result', async () => {
    const workflows: Record<string, unknown> = {};
    for (let index = 0; index <= COMPILED_MAX_OBJECTS; index += 1) workflows[`workflow-${index}`] = { channel_types: { email: index % 2 === 0, sms: null } };
    const patch = { workflows } as PreferenceDocument;
    const compiled = compileMerge(patch, 1);
    expect(compiled.params).toHaveLength(1);
    expect(compiled.into('x')).toContain('prefs_merge_preferences');
    const stored = { workflows: { 'workflow-0': { channel_types: { sms: true, push: false } }, other: true }, channels: { c: true } };
    expect(await mergeInSql(stored, patch)).toEqual(mergePreferences(stored as PreferenceDocument, patch));
  });

  it("the function's shortcuts merge as core does: objects meeting nothing, scalars-only objects, arrays holding nulls", async () => {
    const condition = { variable: 'recipient.signed_up_at', operator: 'is_timestamp_before', argument: null };
    const pairs: [Json | undefined, Json][] = [
      // Meeting nothing, no arrays: copied without its nulls (jsonb_strip_nulls).
      [undefined, { categories: { a: { channel_types: { email: true, sms: null } }, b: null } }],
      // Meeting nothing with an array inside: the nulls inside the array's objects stay.
      [undefined, { categories: { a: { conditions: [condition, null], gone: null } } }],
      // Meeting a non-object: replaced by the patch's object, its nulls dropped.
      [{ categories: { a: true, b: 'text' } }, { categories: { a: { channel_types: { email: true, sms: null } }, b: { conditions: [condition] } } }],
      // Scalars only, meeting an object: its keys replaced or removed, the rest (arrays holding nulls) kept.
      [{ channel_types: { email: true, sms: { conditions: [condition] }, push: false } }, { channel_types: { email: null, push: true, chat: false } }],
      // Deeper objects meeting objects recurse.
      [{ categories: { a: { channel_types: { email: true }, conditions: [condition] } } }, { categories: { a: { channel_types: { sms: false, email: null } } } }],
    ];
    for (const [stored, patch] of pairs) {
      const expected = mergePreferences((stored ?? null) as PreferenceDocument | null, patch as PreferenceDocument);
      expect({ stored, merged: await mergeInFunction(stored, patch as PreferenceDocument) }).toEqual({ stored, merged: expected });
    }
  });

  it('binds each removal list and each object\'s values once, whatever the patch size', () => {
    const workflows: Record<string, unknown> = {};
    for (let index = 0; index < 40; index += 1) workflows[`workflow-${index}`] = index % 4 === 0 ? null : index % 3 === 0 ? { channel_types: { email: true, sms: null } } : false;
    const compiled = compileMerge({ workflows } as PreferenceDocument, 1);
    const text = compiled.into('x');
    const valueParams = compiled.params.map((_, index) => index + 1).filter((param) => !text.includes(`$${param}::text)`) && !text.includes(`$${param}::text,`));
    // 1 + 10 objects with removed keys or values: one list and one object of values for each at most.
    expect(valueParams.length).toBeGreaterThanOrEqual(11);
    for (const param of valueParams) expect({ param, references: text.split(`$${param}::`).length - 1 }).toEqual({ param, references: 1 });
  });

  it('keeps keys and values out of the SQL text', () => {
    const compiled = compileMerge({ categories: { "'; DROP TABLE preference_sets; --": true } } as PreferenceDocument, 1);
    expect(compiled.into('x')).not.toContain('DROP');
    expect(compiled.params).toContain(JSON.stringify({ "'; DROP TABLE preference_sets; --": true }));
  });
});
