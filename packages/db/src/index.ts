export * from './client';
export * from './migrate';
export * from './api-keys';
export * from './signing-keys';
export * from './preference-sets';
export * from './bulk-operations';
