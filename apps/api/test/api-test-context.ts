import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { startApi, type ApiProcess } from '../src/server';

/** What most API test files share: their environment, an in-process API, and a second environment's key. */
export interface ApiTestContext {
  env: TestEnvironment;
  api: ApiProcess;
  /** The secret key of another environment, to show that nothing crosses between them. */
  otherKey: string;
  /** The Authorization header of `key` (default: the test environment's secret key). */
  auth(key?: string): { Authorization: string };
}

/**
 * Registers the file's `beforeAll` (a fresh database and Redis prefix, the API started on them) and
 * `afterAll` (closed and removed); the returned context is filled in before the first test runs.
 */
export function useApiTestContext(): ApiTestContext {
  const context = {
    auth: (key?: string) => ({ Authorization: `Bearer ${key ?? context.env.secretKey}` }),
  } as ApiTestContext;
  beforeAll(async () => {
    context.env = await createTestEnvironment();
    context.api = await startApi(context.env.apiConfig());
    context.otherKey = (await context.env.createEnvironment('other')).secretKey;
  });
  afterAll(async () => {
    await context.api?.close();
    await context.env?.cleanup();
  });
  return context;
}
