/** Request ids: the caller's `X-Request-Id` when it is safe to echo, else a new UUID. */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const SAFE_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestIdOf(res: Response): string {
  return res.locals.requestId as string;
}

export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = req.get('x-request-id');
  const id = given && SAFE_ID.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
}
