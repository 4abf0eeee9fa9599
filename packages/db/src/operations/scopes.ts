/**
 * The scope of users.delete: it orders with every operation keyed by user ids, of any scope but the
 * tenants' (see lifecycle.ts), so a write accepted before a delete never lands after it, and one accepted
 * after it applies to a user who is gone.
 */
export const USERS_DELETE_SCOPE = 'users:delete';
export const TENANTS_SCOPE = 'tenants';
