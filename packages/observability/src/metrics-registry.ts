import { collectDefaultMetrics, Registry } from 'prom-client';

/** Every metric of this service starts with this, so that its series are easy to find. */
export const METRIC_PREFIX = 'prefs_';

/**
 * A Prometheus registry for one process (or one app in a test): never prom-client's global registry,
 * so that several apps or workers created in one process each count only their own.
 * Node's process metrics (memory, CPU, event loop lag) come along unless turned off.
 */
export function createMetricsRegistry(service: string, options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return registry;
}
