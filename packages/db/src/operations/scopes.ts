/**
 * The scope of users.delete: it orders with every operation keyed by user ids, of any scope but the
 * tenants' and the objects' (see lifecycle.ts), so a write accepted before a delete never lands after it, and one accepted
 * after it applies to a user who is gone.
 */
export const USERS_DELETE_SCOPE = 'users:delete';
export const TENANTS_SCOPE = 'tenants';

/** What every objects scope starts with: their keys are object ids, which users.delete never meets. */
export const OBJECTS_SCOPE_PREFIX = 'objects:';

/** The scope of objects.set and objects.delete of one collection: they order with each other per object id. */
export function objectsScope(collection: string): string {
  return `${OBJECTS_SCOPE_PREFIX}${collection}`;
}
