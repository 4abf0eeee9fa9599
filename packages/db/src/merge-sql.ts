import type { PreferenceDocument } from '@prefs/core';

/**
 * The shared merge (`mergePreferences` of @prefs/core) compiled, for one patch, into one SQL expression
 * over a stored document, so that a bulk merge runs inside PostgreSQL: the stored sets never travel to
 * the worker and back (2 MB of JSON each way per 1,000-user batch). The patch's shape becomes the
 * expression's shape; its keys and values travel as two JSON parameters, never in the SQL text.
 *
 * The rules, as in core: plain objects merge key by key at every level; a null removes the key; anything
 * else (a boolean, an array, a string) replaces what was there whole; an object meeting a non-object
 * replaces it, its own nulls dropped. A generic recursive PL/pgSQL merge measured 3x slower than this.
 */

export interface CompiledMerge {
  /**
   * A jsonb expression: the merge of the patch into `base` (an SQL expression of any jsonb, or
   * `NULL::jsonb` for no stored set). Every base refers to the same two parameters.
   */
  into(base: string): string;
  /** The two parameters the expressions refer to (keys, then values), as JSON text. */
  params: [string, string];
}

/** `jsonb_build_object` takes at most 100 arguments: larger maps are built in chunks and concatenated. */
const PAIRS_PER_CALL = 50;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Compiles `patch`. `keysParam` and `valuesParam` are the numbers of the two parameters the caller binds
 * to `params`.
 */
export function compileMerge(patch: PreferenceDocument, keysParam: number, valuesParam: number): CompiledMerge {
  // Rendering walks the patch in one order, so every base numbers its keys and values alike.
  function render(base: string): { expression: string; keys: string[]; values: unknown[] } {
    const keys: string[] = [];
    const values: unknown[] = [];
    const keyRef = (key: string) => `($${keysParam}::jsonb ->> ${keys.push(key) - 1})`;
    const valueRef = (value: unknown) => `($${valuesParam}::jsonb -> ${values.push(value) - 1})`;

    function mergeInto(target: string, object: Record<string, unknown>): string {
      let expression = `(CASE WHEN jsonb_typeof(${target}) = 'object' THEN ${target} ELSE '{}'::jsonb END)`;
      const names = Object.keys(object);
      const removed = names.filter((name) => object[name] === null);
      if (removed.length > 0) expression = `(${expression} - ARRAY[${removed.map(keyRef).join(', ')}]::text[])`;
      const pairs = names
        .filter((name) => object[name] !== null)
        .map((name) => {
          const value = object[name];
          const ref = keyRef(name);
          return `${ref}, ${isPlainObject(value) ? mergeInto(`(${target} -> ${ref})`, value) : valueRef(value)}`;
        });
      for (let index = 0; index < pairs.length; index += PAIRS_PER_CALL) {
        expression = `(${expression} || jsonb_build_object(${pairs.slice(index, index + PAIRS_PER_CALL).join(', ')}))`;
      }
      return expression;
    }

    const merged = mergeInto(`(${base})`, patch as Record<string, unknown>);
    // Both parameters are always referenced (a patch without values would leave one untyped, which
    // PostgreSQL refuses); the test is on constants, so the planner folds it away.
    return { expression: `(CASE WHEN $${keysParam}::jsonb IS NULL OR $${valuesParam}::jsonb IS NULL THEN NULL ELSE ${merged} END)`, keys, values };
  }

  const { keys, values } = render('NULL::jsonb');
  return { into: (base) => render(base).expression, params: [JSON.stringify(keys), JSON.stringify(values)] };
}
