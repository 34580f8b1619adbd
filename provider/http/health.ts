import Router from '@koa/router';

import type { Database } from '../storage/database.ts';
import { isDatabaseReachable } from '../storage/database.ts';

/** /healthz: the process serves requests. /readyz: and its database answers. */
export function createHealthRouter(database: Database): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const ready = await isDatabaseReachable(database);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'database unreachable' };
  });
  return router;
}
