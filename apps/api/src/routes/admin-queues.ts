import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router, type RequestHandler } from 'express';
import type { Queue } from 'bullmq';
import { createBasicAuth } from '../basic-auth';
import { ApiError } from '../errors';
import { localsOf } from '../response-locals';

export const ADMIN_QUEUES_PATH = '/admin/queues';

export interface AdminQueuesOptions {
  queues: Queue[];
  user: string | null;
  password: string | null;
  readOnly: boolean;
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
    options: { uiConfig: { boardTitle: 'prefs queues' } },
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
    serverAdapter.getRouter() as RequestHandler, // Bull Board types its router as `any`
  );
  return router;
}
