export * from './dependency-check';
export * from './metrics-registry';
export * from './queue-jobs-gauge';
