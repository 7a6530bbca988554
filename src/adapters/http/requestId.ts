/** Request ids: the caller's `X-Request-Id` when it is safe to echo, else a new UUID. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

const SAFE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A response with express's `res.locals` (or the same object set up by a handler in front of express). */
export interface WithLocals {
  locals: Record<string, unknown>;
}

export function requestIdOf(res: WithLocals): string {
  return res.locals.requestId as string;
}

/** Gives the request its id: in `res.locals.requestId` and the `X-Request-Id` response header. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse & WithLocals): void {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
}

export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  assignRequestId(req, res);
  next();
}
