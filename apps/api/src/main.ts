import { startApi } from './server';

async function main(): Promise<void> {
  const api = await startApi();
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    api.logger.info({ signal }, 'shutting down');
    void api.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
