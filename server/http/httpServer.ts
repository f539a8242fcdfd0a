import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SightlineError } from '../../protocol/errors.js';
import type { AppContext } from '../context.js';
import { handleVideoRequest, isVideoPath } from '../video/routes.js';
import { allowedMethods, routes, sendError } from './routes.js';

/** The HTTP server: page, SDK bundle, tokens, health, readiness, metrics, and uploaded videos (/api/videos…). */
export function createHttpServer(app: AppContext): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (isVideoPath(path)) {
      handleVideoRequest(app, req, res).catch((error: unknown) => {
        app.log.error('video request failed', { path, error });
        if (!res.headersSent) sendError(res, 500, new SightlineError('ERR_INTERNAL'));
        else res.destroy();
      });
      return;
    }
    // HEAD runs the GET route; Node sends its headers without the body.
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const route = routes[`${method} ${path}`];
    if (!route) {
      const allowed = allowedMethods(path);
      if (allowed.length === 0) {
        sendError(res, 404, new SightlineError('ERR_NOT_FOUND', `nothing is served at ${path}`));
        return;
      }
      res.setHeader('allow', allowed.join(', '));
      sendError(
        res,
        405,
        new SightlineError(
          'ERR_METHOD_NOT_ALLOWED',
          `${req.method} is not allowed here; use ${allowed.join(' or ')}`,
        ),
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
