import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { isMissingFile } from '../../core/files.js';
import { SightlineError } from '../../protocol/errors.js';
import { USER_NAME } from '../auth/token.js';
import type { AppContext } from '../context.js';
import { readBody } from './body.js';

const HERE = import.meta.dirname ?? new URL('.', import.meta.url).pathname;
/** Where the built browser files live (written by `npm run build:client`). */
export const CLIENT_DIST_DIR = join(HERE, '../../dist/client');
const PAGE_DIR = join(HERE, '../../client/page');

type Route = (app: AppContext, req: IncomingMessage, res: ServerResponse) => Promise<void>;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Sends a catalogue error as JSON: always a code and a human sentence. */
export function sendError(res: ServerResponse, status: number, error: SightlineError): void {
  sendJson(res, status, { error: error.toWire() });
}

async function sendFile(res: ServerResponse, path: string, contentType: string): Promise<void> {
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch (error) {
    // Only a missing file means "not built"; anything else (permissions, I/O) is a real fault.
    if (!isMissingFile(error)) throw error;
    sendError(
      res,
      503,
      new SightlineError('ERR_INTERNAL', 'client files are not built: run `npm run build:client`'),
    );
    return;
  }
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
  res.end(body);
}

/** The optional `{ "user": "alice" }` body of `POST /api/token` (empty body: no user). */
async function readTokenUser(req: IncomingMessage): Promise<string | undefined> {
  const body = await readBody(req, 4096);
  if (body.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new SightlineError('ERR_BAD_JSON', 'the body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new SightlineError('ERR_INVALID_ARGUMENT', 'the body must be a JSON object');
  }
  const { user } = parsed as Record<string, unknown>;
  if (user === undefined) return undefined;
  if (typeof user !== 'string' || !USER_NAME.test(user)) {
    throw new SightlineError('ERR_INVALID_ARGUMENT', '"user" is 1-64 letters, digits, _ . @ or -');
  }
  return user;
}

const issueToken: Route = async (app, req, res) => {
  if (app.config.auth.mode === 'hmac') {
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${app.config.auth.apiKey}`) {
      sendError(res, 401, new SightlineError('ERR_UNAUTHORIZED', 'an API key is required to issue tokens'));
      return;
    }
  }
  let user: string | undefined;
  try {
    user = await readTokenUser(req);
  } catch (error) {
    if (!(error instanceof SightlineError)) throw error;
    sendError(res, error.code === 'ERR_MESSAGE_TOO_LARGE' ? 413 : 400, error);
    return;
  }
  const { token, claims } = app.tokens.issue(undefined, user);
  sendJson(res, 200, { token, expiresAtMs: claims.exp, ...(user !== undefined ? { user } : {}) });
};

/** The sentence a page shows when random test models answer. */
export const TINY_MODELS_NOTICE =
  'Random test models are loaded: the assistant runs, and every answer is noise.';

/**
 * 200 when the assistant can answer (a media worker is alive and every model
 * loaded); 503 otherwise, naming the missing models and the command that
 * fetches them. Calls can still join while it is 503.
 */
const readiness: Route = async (app, _req, res) => {
  const alive = app.pool.alive;
  const models = app.models.status;
  const ready = alive > 0 && models.ready;
  const reasons: string[] = [];
  if (alive === 0) reasons.push('no media worker is alive');
  if (!models.ready) {
    const failed = Object.entries(app.models.loadErrors).map(([id, why]) => `${id} failed to load (${why})`);
    reasons.push(
      failed.length > 0
        ? `the assistant cannot answer: ${failed.join('; ')}`
        : `the assistant cannot answer: models are missing in ${app.config.assistant.modelsDir}`,
    );
    if (models.fetchCommand) reasons.push(`run: ${models.fetchCommand}`);
  }
  sendJson(res, ready ? 200 : 503, {
    status: ready ? 'ready' : 'not ready',
    workersAlive: alive,
    models,
    ...(reasons.length > 0 ? { message: `${reasons.join('; ')}.` } : {}),
    ...(models.tinyTestModels ? { notice: TINY_MODELS_NOTICE } : {}),
  });
};

/** Method + path → handler. */
export const routes: Record<string, Route> = {
  'GET /': (_app, _req, res) => sendFile(res, join(PAGE_DIR, 'index.html'), 'text/html; charset=utf-8'),
  'GET /app.js': (_app, _req, res) =>
    sendFile(res, join(CLIENT_DIST_DIR, 'app.js'), 'text/javascript; charset=utf-8'),
  'GET /sdk.js': (_app, _req, res) =>
    sendFile(res, join(CLIENT_DIST_DIR, 'sdk.js'), 'text/javascript; charset=utf-8'),
  'GET /timeline': (_app, _req, res) =>
    sendFile(res, join(PAGE_DIR, 'timeline.html'), 'text/html; charset=utf-8'),
  'GET /timeline.js': (_app, _req, res) =>
    sendFile(res, join(CLIENT_DIST_DIR, 'timeline.js'), 'text/javascript; charset=utf-8'),
  'GET /favicon.svg': (_app, _req, res) => sendFile(res, join(PAGE_DIR, 'favicon.svg'), 'image/svg+xml'),
  // Browsers that ignore the page's <link rel=icon> still ask for this; there is nothing else to send.
  'GET /favicon.ico': async (_app, _req, res) => {
    res.writeHead(204, { 'cache-control': 'max-age=86400' });
    res.end();
  },
  'POST /api/token': issueToken,
  'GET /healthz': async (_app, _req, res) => sendJson(res, 200, { status: 'ok' }),
  'GET /readyz': readiness,
  'GET /metrics': async (app, _req, res) => {
    app.metrics.workersAlive.set(app.pool.alive);
    const body = await app.metrics.render();
    res.writeHead(200, { 'content-type': app.metrics.contentType });
    res.end(body);
  },
};

/** The methods served at `path` (HEAD wherever GET is), for 405 replies and their `Allow` header. */
export function allowedMethods(path: string): string[] {
  const methods = Object.keys(routes)
    .filter((key) => key.slice(key.indexOf(' ') + 1) === path)
    .map((key) => key.slice(0, key.indexOf(' ')));
  return methods.includes('GET') ? [...methods, 'HEAD'] : methods;
}
