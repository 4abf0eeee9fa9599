import type { Logger } from '@prefs/logger';

/**
 * Runs `pass` every `intervalMs`, never two at once; a failed pass is logged and tried again at the next
 * tick. `stop()` waits for a pass under way. The reconciler and the input pruner are such tasks.
 */
export interface PeriodicTask {
  start(): void;
  stop(): Promise<void>;
}

export function createPeriodicTask(pass: () => Promise<unknown>, intervalMs: number, logger: Logger, failure: string): PeriodicTask {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;

  function tick(): void {
    if (running) return;
    running = pass()
      .catch((error: unknown) => logger.warn({ err: error }, failure))
      .finally(() => {
        running = null;
      });
  }

  return {
    start() {
      if (!timer) timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
