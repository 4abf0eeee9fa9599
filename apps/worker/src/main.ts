import { readWorkerConfig } from '@prefs/config';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const prefsWorker = createWorker(readWorkerConfig());
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    prefsWorker.logger.info({ signal }, 'shutting down');
    void prefsWorker.close().then((clean) => process.exit(clean ? 0 : 1));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await prefsWorker.start();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
