import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { startApi, type ApiProcess } from '../../apps/api/src/server';
import { createWorker, type PrefsWorker } from '../../apps/worker/src/worker';

/** A test file's environment with the API and one worker running in process on it. */
export interface ApiAndWorker {
  env: TestEnvironment;
  api: ApiProcess;
  worker: PrefsWorker;
  /** The Authorization header of `key` (default: the test environment's secret key). */
  auth(key?: string): { Authorization: string };
}

/**
 * Registers the file's `beforeAll` (a fresh database and Redis prefix, the API with `apiOverrides` and a
 * worker with `workerOverrides` started on them) and `afterAll` (all closed and removed); the context is
 * filled in before the first test runs.
 */
export function useApiAndWorker(
  workerOverrides: Parameters<TestEnvironment['workerConfig']>[0] = {},
  apiOverrides: Parameters<TestEnvironment['apiConfig']>[0] = {},
): ApiAndWorker {
  const context = {
    auth: (key?: string) => ({ Authorization: `Bearer ${key ?? context.env.secretKey}` }),
  } as ApiAndWorker;
  beforeAll(async () => {
    context.env = await createTestEnvironment();
    context.api = await startApi(context.env.apiConfig(apiOverrides));
    context.worker = createWorker(context.env.workerConfig(workerOverrides));
    await context.worker.start();
  });
  afterAll(async () => {
    await context.worker?.close();
    await context.api?.close();
    await context.env?.cleanup();
  });
  return context;
}
