import { isPlainObject, typeName } from './custom-properties';
import { validateTenantInput, type TenantInput } from './tenant-input';
import { validateObjectInput, validateUserInput, type ObjectInput, type UserInput } from './user-input';
import { MAX_BULK_ITEMS } from './contract';
import { validateSetId } from './validation';
import type { FieldError, Validated } from './field-errors';

/**
 * The bodies of `POST /v1/tenants/bulk/set` (`{ tenants: [...] }`), `POST /v1/users/bulk/identify`
 * (`{ users: [...] }`) and `POST /v1/objects/:collection/bulk/set` (`{ objects: [...] }`): 1 to 1,000 items, each validated as the single PUT's body (its fields named
 * `tenants.<index>.<field>`). A tenant may also be given as its id alone, as Knock's SDK allows.
 */

/** Errors reported per body at most, so that a body of 1,000 bad items answers quickly and briefly. */
const MAX_REPORTED_ITEMS = 10;

function validateItems<T>(
  body: unknown,
  field: 'tenants' | 'users' | 'objects',
  validateItem: (item: unknown, path: string, errors: FieldError[]) => T | null,
): Validated<T[]> {
  if (!isPlainObject(body)) {
    return { ok: false, errors: [{ field: 'body', message: `the body must be a JSON object, got ${typeName(body)}`, type: 'invalid_type' }] };
  }
  const errors: FieldError[] = [];
  for (const key of Object.keys(body)) {
    if (key !== field) errors.push({ field: key, message: `${key} is not a known field; the body takes ${field}`, type: 'unknown_field' });
  }
  const items = body[field];
  if (!Array.isArray(items)) {
    errors.push({ field, message: `${field} must be an array, got ${typeName(items)}`, type: 'isArray' });
    return { ok: false, errors };
  }
  if (items.length === 0 || items.length > MAX_BULK_ITEMS) {
    errors.push({ field, message: `${field} must hold 1 to ${MAX_BULK_ITEMS} items, got ${items.length}`, type: items.length === 0 ? 'arrayMinSize' : 'arrayMaxSize' });
    return { ok: false, errors };
  }
  const valid: T[] = [];
  let badItems = 0;
  items.forEach((item, index) => {
    if (badItems >= MAX_REPORTED_ITEMS) return;
    const before = errors.length;
    const value = validateItem(item, `${field}.${index}`, errors);
    if (value === null || errors.length > before) badItems += 1;
    else valid.push(value);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: valid };
}

/** Tenants in request order (one tenant may appear more than once: its items apply in that order). */
export function validateBulkSetTenants(body: unknown): Validated<TenantInput[]> {
  return validateItems(body, 'tenants', (item, path, errors) => {
    const result = validateTenantInput(typeof item === 'string' ? { id: item } : item, null, path);
    if (!result.ok) errors.push(...result.errors);
    return result.ok ? result.value : null;
  });
}

/** Users in request order (one user may appear more than once: its items apply in that order). */
export function validateBulkIdentifyUsers(body: unknown): Validated<UserInput[]> {
  return validateItems(body, 'users', (item, path, errors) => {
    const result = validateUserInput(item, null, path);
    if (!result.ok) errors.push(...result.errors);
    return result.ok ? result.value : null;
  });
}

/**
 * The tenant ids of `POST /v1/tenants/bulk/delete`: 1 to 1,000, distinct and sorted when valid. Knock's
 * SDK sends them in the query (`queryIds`: every `tenant_ids[]` and `tenant_ids` parameter); a list too
 * long for a request line (16 KiB) may come as a JSON body `{ "tenant_ids": [...] }` instead (an
 * extension), never both.
 */
export function validateBulkDeleteTenants(queryIds: string[], body: unknown): Validated<string[]> {
  let given: unknown[] = queryIds;
  if (body !== undefined && !(isPlainObject(body) && Object.keys(body).length === 0)) {
    if (!isPlainObject(body)) return { ok: false, errors: [{ field: 'body', message: `the body must be a JSON object { tenant_ids }, got ${typeName(body)}`, type: 'invalid_type' }] };
    const errors: FieldError[] = Object.keys(body)
      .filter((key) => key !== 'tenant_ids')
      .map((key) => ({ field: key, message: `${key} is not a known field; the body takes tenant_ids`, type: 'unknown_field' }));
    if (queryIds.length > 0) errors.push({ field: 'tenant_ids', message: 'tenant_ids go in the query or in the body, not both', type: 'invalid_value' });
    if (!Array.isArray(body.tenant_ids)) errors.push({ field: 'tenant_ids', message: `tenant_ids must be an array of tenant ids, got ${typeName(body.tenant_ids)}`, type: 'isArray' });
    if (errors.length > 0) return { ok: false, errors };
    given = body.tenant_ids as unknown[];
  }
  if (given.length === 0 || given.length > MAX_BULK_ITEMS) {
    const message = `tenant_ids must hold 1 to ${MAX_BULK_ITEMS} tenant ids (tenant_ids[]=... in the query), got ${given.length}`;
    return { ok: false, errors: [{ field: 'tenant_ids', message, type: given.length === 0 ? 'required' : 'arrayMaxSize' }] };
  }
  const errors: FieldError[] = [];
  given.forEach((id, index) => {
    if (errors.length >= MAX_REPORTED_ITEMS) return;
    const field = `tenant_ids.${index}`;
    const error = typeof id === 'string' ? validateSetId(id, field) : { field, message: `${field} must be a tenant id, got ${typeName(id)}`, type: 'invalid_type' };
    if (error) errors.push(error);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: [...new Set(given as string[])].sort() };
}

/** Objects of one collection in request order (one object may appear more than once: its items apply in that order). */
export function validateBulkSetObjects(body: unknown): Validated<ObjectInput[]> {
  return validateItems(body, 'objects', (item, path, errors) => {
    const result = validateObjectInput(item, null, path);
    if (!result.ok) errors.push(...result.errors);
    return result.ok ? result.value : null;
  });
}
