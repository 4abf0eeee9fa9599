import type { PreferenceDocument } from '@prefs/core';

/**
 * The shared merge (`mergePreferences` of @prefs/core) as SQL over a stored document, so that a bulk merge
 * runs inside PostgreSQL: the stored sets never travel to the worker and back. The rules, as in core:
 * plain objects merge key by key at every level; a null removes the key; anything else (a boolean, an
 * array, a string) replaces what was there whole; an object meeting a non-object replaces it, its own
 * nulls dropped.
 *
 * Each value is bound once: a parameter is parsed once per reference, and one JSON parameter indexed
 * once per key made the backend's memory grow with the square of the patch (20 KB: 167 MB). A patch of
 * up to `COMPILED_MAX_OBJECTS` objects is compiled into one expression of its shape (the fastest form,
 * 6x the function below per object), with one parameter per object for its removed keys and one for its other values;
 * a larger patch goes whole, as one parameter, to `prefs_merge_preferences`, a PL/pgSQL merge whose
 * memory grows with the patch alone.
 */

export interface CompiledMerge {
  /**
   * A jsonb expression: the merge of the patch into `base` (an SQL expression of any jsonb, or
   * `NULL::jsonb` for no stored set). Every base refers to the same parameters.
   */
  into(base: string): string;
  /** The values of the parameters the expressions refer to, numbered from the `firstParam` given. */
  params: unknown[];
}

/** Past this many objects the expression itself costs the backend too much: about 1.7 MB per KB of patch (256 objects: about 7 MB). */
export const COMPILED_MAX_OBJECTS = 256;

/** `jsonb_build_object` takes at most 100 arguments: larger maps are built in chunks and concatenated. */
const PAIRS_PER_CALL = 50;

type JsonObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function countObjects(value: JsonObject, limit: number): number {
  let count = 1;
  for (const child of Object.values(value)) {
    if (count > limit) break;
    if (isPlainObject(child)) count += countObjects(child, limit - count);
  }
  return count;
}

/** Compiles `patch`; its parameters are numbered from `firstParam`, to be bound to `params` in order. */
export function compileMerge(patch: PreferenceDocument, firstParam: number): CompiledMerge {
  const params: unknown[] = [];
  const bind = (value: unknown, type: string) => `$${firstParam + params.push(value) - 1}::${type}`;

  if (countObjects(patch as JsonObject, COMPILED_MAX_OBJECTS) > COMPILED_MAX_OBJECTS) {
    const whole = bind(JSON.stringify(patch), 'jsonb');
    return { into: (base) => `prefs_merge_preferences(${base}, ${whole})`, params };
  }

  // One walk binds the parameters; each base is rendered over the same parameter references.
  interface ObjectNode {
    removed: string | null;
    leaves: string | null;
    children: { key: string; node: ObjectNode }[];
  }
  function compile(object: JsonObject): ObjectNode {
    const names = Object.keys(object);
    const removed = names.filter((name) => object[name] === null);
    const leaves: JsonObject = {};
    const children: ObjectNode['children'] = [];
    for (const name of names) {
      const value = object[name];
      if (isPlainObject(value)) children.push({ key: bind(name, 'text'), node: compile(value) });
      else if (value !== null) Object.defineProperty(leaves, name, { value, enumerable: true, writable: true, configurable: true });
    }
    return {
      removed: removed.length > 0 ? bind(removed, 'text[]') : null,
      leaves: Object.keys(leaves).length > 0 ? bind(JSON.stringify(leaves), 'jsonb') : null,
      children,
    };
  }
  const root = compile(patch as JsonObject);

  function render(target: string, node: ObjectNode): string {
    let expression = `(CASE WHEN jsonb_typeof(${target}) = 'object' THEN ${target} ELSE '{}'::jsonb END)`;
    if (node.removed) expression = `(${expression} - ${node.removed})`;
    if (node.leaves) expression = `(${expression} || ${node.leaves})`;
    const pairs = node.children.map(({ key, node: child }) => `${key}, ${render(`(${target} -> ${key})`, child)}`);
    for (let index = 0; index < pairs.length; index += PAIRS_PER_CALL) {
      expression = `(${expression} || jsonb_build_object(${pairs.slice(index, index + PAIRS_PER_CALL).join(', ')}))`;
    }
    return expression;
  }
  return { into: (base) => render(`(${base})`, root), params };
}
