export * from './operation-job';
export * from './connections';
export * from './webhook-job';
