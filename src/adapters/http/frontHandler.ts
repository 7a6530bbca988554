/**
 * A handler in front of an express app: a request it takes (it returns true) never reaches express;
 * every other request goes through express unchanged. For hot paths whose work costs less than
 * express's per-request set-up (src/adapters/jsonrpc/fastPath.ts). Installed on the app itself, so
 * every way of serving it (node:http, `app.listen`, supertest) goes through the front handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type express from 'express';

export type FrontHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** express's app is `(req, res, next) => app.handle(req, res, next)`: the front handler wraps `handle`. */
type HandlingApp = express.Express & { handle(req: IncomingMessage, res: ServerResponse, next?: unknown): void };

export function handleInFront(app: express.Express, front: FrontHandler): void {
  const handling = app as HandlingApp;
  if (typeof handling.handle !== 'function') throw new Error('express app without handle(): cannot put a handler in front of it');
  const handle = handling.handle.bind(app);
  handling.handle = (req, res, next) => {
    if (!front(req, res)) handle(req, res, next);
  };
}
