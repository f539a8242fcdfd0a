import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SightlineError } from '../../protocol/errors.js';
import type { AppContext } from '../context.js';
import { routes, sendError } from './routes.js';

/** The HTTP server: page, SDK bundle, tokens, health, readiness and metrics. */
export function createHttpServer(app: AppContext): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes[`${req.method ?? 'GET'} ${path}`];
    if (!route) {
      const known = Object.keys(routes).some((k) => k.endsWith(` ${path}`));
      sendError(
        res,
        known ? 405 : 404,
        new SightlineError('ERR_NOT_FOUND', known ? 'method not allowed' : 'not found'),
      );
      return;
    }
    route(app, req, res).catch((error: unknown) => {
      app.log.error('http handler failed', { path, error });
      if (!res.headersSent) sendError(res, 500, new SightlineError('ERR_INTERNAL'));
      else res.destroy();
    });
  });
}
