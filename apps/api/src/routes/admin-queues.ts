import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router, type RequestHandler } from 'express';
import type { Queue } from 'bullmq';
import type { EnvironmentQueue } from '@prefs/db';
import { createBasicAuth } from '../basic-auth';
import { ApiError } from '../errors';
import { localsOf } from '../response-locals';

export const ADMIN_QUEUES_PATH = '/admin/queues';

export interface AdminQueuesOptions {
  queues: Queue[];
  /** Each environment's queue of operations (PostgreSQL's record), for the environments page. */
  environments: () => Promise<EnvironmentQueue[]>;
  user: string | null;
  password: string | null;
  readOnly: boolean;
}

export const ENVIRONMENTS_PATH = `${ADMIN_QUEUES_PATH}/environments`;

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The environments page as HTML: one row per environment, those with operations waiting first. */
function environmentsPage(queues: EnvironmentQueue[]): string {
  const rows = [...queues]
    .sort((a, b) => b.oldestWaitSeconds - a.oldestWaitSeconds || b.queued - a.queued || a.name.localeCompare(b.name))
    .map((queue) => `<tr><td>${escapeHtml(queue.name)}</td><td>${queue.weight}</td><td>${queue.queued}</td><td>${queue.processing}</td><td>${queue.queued > 0 ? `${queue.oldestWaitSeconds.toFixed(1)} s` : '-'}</td></tr>`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>prefs: environments</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:4px 12px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}</style></head>
<body><h1>Bulk operations by environment</h1><p>From PostgreSQL. Environments with operations waiting share the workers in proportion to their weight (<code>prefs environments weight</code>). <a href="${ADMIN_QUEUES_PATH}">Back to the queue</a>.</p>
<table><tr><th>environment</th><th>weight</th><th>queued</th><th>processing</th><th>oldest queued for</th></tr>
${rows.join('\n')}
</table></body></html>`;
}

class ReadOnlyDashboard extends ApiError {
  constructor() {
    super(405, 'read_only', 'The dashboard is read-only (set ADMIN_READ_ONLY=false to allow changes)');
  }
}

/**
 * Bull Board at `/admin/queues`, behind HTTP basic auth. Without both ADMIN_USER and ADMIN_PASSWORD it is
 * not mounted at all (the path answers 404): an unprotected dashboard is never served. Read-only unless
 * ADMIN_READ_ONLY=false: Bull Board hides its actions and refuses them, and every request that is not a
 * read is refused here as well, before it reaches Bull Board.
 */
export function adminQueuesRouter(options: AdminQueuesOptions): Router | null {
  if (!options.user || !options.password) return null;
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(ADMIN_QUEUES_PATH);
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: options.readOnly })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'prefs queues', miscLinks: [{ text: 'Environments', url: ENVIRONMENTS_PATH }] } },
  });

  const onlyReads: RequestHandler = (req, _res, next) => {
    if (options.readOnly && req.method !== 'GET' && req.method !== 'HEAD') throw new ReadOnlyDashboard();
    next();
  };
  const router = Router();
  router.use(
    ADMIN_QUEUES_PATH,
    (_req, res, next) => {
      // One label for the dashboard's many paths in request logs and metrics.
      localsOf(res).routeLabel = `${ADMIN_QUEUES_PATH}/*`;
      next();
    },
    createBasicAuth({ user: options.user, password: options.password }, 'prefs admin'),
    onlyReads,
  );
  // Each environment's queue depth and wait (the queue itself holds one job per operation, of any environment).
  router.get(ENVIRONMENTS_PATH, async (req, res) => {
    const queues = await options.environments();
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({
        entries: queues.map((queue) => ({ name: queue.name, weight: queue.weight, queued: queue.queued, processing: queue.processing, oldest_wait_seconds: queue.oldestWaitSeconds })),
      });
      return;
    }
    res.type('html').send(environmentsPage(queues));
  });
  router.use(
    ADMIN_QUEUES_PATH,
    serverAdapter.getRouter() as RequestHandler, // Bull Board types its router as `any`
  );
  return router;
}
