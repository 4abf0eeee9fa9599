export * from './operation-job';
export * from './connections';
