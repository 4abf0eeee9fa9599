export * from './preference-set';
export * from './merge';
export * from './validation';
export * from './bulk-operation';
