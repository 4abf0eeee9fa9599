/**
 * The largest legal inputs of each shape, for the `hostile` phase: built up to a byte size, which the
 * phase fits under each route's limits (body limit, 64 KiB per preference set as JSON and as jsonb).
 */

export const ID_LENGTH = 255;
/** 100 characters: the longest text a condition still parses as a number (MAX_CONDITION_PARSED_TEXT_LENGTH). */
export const LONGEST_PARSED_NUMBER = '9'.repeat(100);
const VARIABLE_LENGTH = 1024;
const ARGUMENT_LENGTH = 4096;

/** A 255-character id ending in `suffix`. */
export function longId(prefix: string, suffix: string): string {
  return `${prefix}-${'x'.repeat(ID_LENGTH - prefix.length - suffix.length - 2)}-${suffix}`;
}

/** A request's `categories`, `workflows` or `channels` map holds at most this many entries (LIMITS.mapEntries). */
const MAP_ENTRIES = 1000;

/**
 * Adds `entry(index)` under `key(index)` until the JSON of `whole()` would pass `bytes` or the map is full;
 * true when it stopped on the size.
 */
function fillTo(target: Record<string, unknown>, bytes: number, key: (index: number) => string, entry: (index: number) => unknown, whole: () => unknown): boolean {
  for (let index = 0; index < MAP_ENTRIES; index += 1) {
    target[key(index)] = entry(index);
    if (JSON.stringify(whole()).length > bytes) {
      delete target[key(index)];
      return true;
    }
  }
  return false;
}

/** Shape "most objects": a merge patch of small category and workflow objects (the PL/pgSQL merge's path past 256 objects). */
export function manyObjectsPatch(bytes: number): Record<string, unknown> {
  const categories: Record<string, unknown> = {};
  const workflows: Record<string, unknown> = {};
  const patch = { __persistence_strategy__: 'merge', categories, workflows };
  const entry = (index: number) => ({ channel_types: { email: index % 2 === 0 } });
  if (!fillTo(categories, bytes, (index) => `c${index}`, entry, () => patch)) fillTo(workflows, bytes, (index) => `w${index}`, entry, () => patch);
  return patch;
}

/** Shape "longest ids and strings": 255-character workflow keys, each with a condition of the longest variable and argument. */
export function longStringsPatch(bytes: number): Record<string, unknown> {
  const workflows: Record<string, unknown> = {};
  const patch = { __persistence_strategy__: 'merge', workflows };
  const condition = { variable: `recipient.${'v'.repeat(VARIABLE_LENGTH - 'recipient.'.length)}`, operator: 'equal_to', argument: 'a'.repeat(ARGUMENT_LENGTH) };
  fillTo(workflows, bytes, (index) => longId('workflow', String(index)), () => ({ conditions: [condition] }), () => patch);
  return patch;
}

/**
 * Shape "most conditions, longest numeric strings": every asked category with conditions comparing the
 * longest text still parsed as a number, all passing (so every one is evaluated), up to `bytes`.
 */
export function maximalConditionsSet(categories: string[], bytes: number): Record<string, unknown> {
  const document: { categories: Record<string, { conditions: unknown[] }> } = { categories: {} };
  for (const category of categories) document.categories[category] = { conditions: [] };
  const condition = { variable: 'recipient.score', operator: 'greater_than_or_equal_to', argument: LONGEST_PARSED_NUMBER };
  for (let index = 0; ; index += 1) {
    const conditions = document.categories[categories[index % categories.length]].conditions;
    conditions.push(condition);
    if (JSON.stringify(document).length > bytes || conditions.length > 100) {
      conditions.pop();
      return document;
    }
  }
}

/** Identify at its limits: 100 custom properties, each nested 8 deep, within 32 KiB of properties. */
export function maximalProperties(bytes: number): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const nested = (depth: number, leaf: string): unknown => (depth === 0 ? leaf : { [`level${depth}`]: nested(depth - 1, leaf) });
  const perProperty = Math.floor(bytes / 100) - 200;
  for (let index = 0; index < 100; index += 1) properties[`property_${index}`] = nested(7, 'p'.repeat(Math.max(1, perProperty)));
  while (JSON.stringify(properties).length > bytes) delete properties[`property_${Object.keys(properties).length - 1}`];
  return properties;
}

/**
 * The one-click body at its limit: `List-Unsubscribe=One-Click` as multipart, after a preamble (which
 * RFC 2046 lets a sender put before the first boundary) padding it to `bytes`.
 */
export function paddedOneClickBody(bytes: number): { body: string; contentType: string } {
  const boundary = 'hostile-boundary';
  const part = `\r\n--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
  return { body: `${'p'.repeat(Math.max(0, bytes - part.length))}${part}`, contentType: `multipart/form-data; boundary=${boundary}` };
}
