/**
 * What every request validator reports and returns: one error per field, named by its dotted path, and
 * the result of a validation. Shared by the validators of every body.
 */

export interface FieldError {
  field: string;
  message: string;
  type: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Reports every key of `value` that is not in `allowed` as an unknown field; true when there is none. */
export function checkKeys(value: Record<string, unknown>, allowed: readonly string[], path: string, out: FieldError[]): boolean {
  let ok = true;
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const field = path ? `${path}.${key}` : key;
      out.push({ field, message: `${field} is not a known field`, type: 'unknown_field' });
      ok = false;
    }
  }
  return ok;
}
