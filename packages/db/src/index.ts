export * from './client';
export * from './migrate';
export * from './api-keys';
export * from './preference-sets';
export * from './bulk-operations';
export * from './operations/retention';
