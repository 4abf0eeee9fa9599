export * from './contract';
export * from './request-schemas';
export * from './preference-set';
export * from './merge';
export * from './validation';
export * from './bulk-operation';
