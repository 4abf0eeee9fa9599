/** Preference documents of a chosen size, for tests of the storage limits. */

/** A valid `workflows` map of about `kb` KiB of JSON: 250-character keys starting with `prefix`, each `true`. */
export function workflowsOfSize(kb: number, prefix: string): Record<string, boolean> {
  const map: Record<string, boolean> = {};
  for (let index = 0; JSON.stringify(map).length < kb * 1024; index += 1) map[`${prefix}-${String(index).padStart(4, '0')}-`.padEnd(250, 'x')] = true;
  return map;
}
