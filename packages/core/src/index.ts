export * from './preference-set';
export * from './merge';
export * from './validation';
export * from './bulk-operation';
export * from './conditions';
export * from './effective-set';
export * from './evaluate';
export * from './evaluation-input';
