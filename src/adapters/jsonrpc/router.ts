/**
 * HTTP glue for POST /jsonrpc.php (Kanboard mode) and POST /rpc (strict mode). Reads the raw body
 * itself (never express.json, whose errors are HTML), enforces size, method and media type, and
 * writes the endpoint's answer byte for byte. Two ways in, one way through: the express routes take
 * every request, and ./fastPath.ts takes the common ones before express (see there); both run the
 * same steps below on node's request and response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { parse as parseContentType } from 'content-type';
import type { Authenticator } from '../../core/authentication';
import type { Dispatcher } from '../../core/dispatcher';
import { isAppError } from '../../core/errors';
import type { RateLimiter } from '../../core/rateLimit';
import { jsonRpcCredentials } from '../http/credentials';
import { requestIdOf, type WithLocals } from '../http/requestId';
import { jsonRpcMethodsOf, recordFailure, recordRequest, requestRecordOf, type RequestHook, type RequestRecord } from '../http/requestLog';
import { writeChunks } from '../http/writeChunks';
import { createEndpoint, limitExceededAnswer, procedureResolver, type HttpAnswer } from './endpoint';
import { createElementDispatcher } from './jaysonDispatch';
import { errorResponse, strictError } from './wire';
import { decodeBody, parseError } from './envelope';
import { jsonRpcFastPath, type BodyError, type FastPath } from './fastPath';

export interface JsonRpcRouterOptions {
  dispatcher: Dispatcher;
  authenticator: Authenticator;
  batchLimit: number;
  bodyLimit: number;
  apiAuthHeader: string | undefined;
  /** RATE_LIMIT_PER_MINUTE, shared by every surface (one budget per principal). */
  rateLimiter: RateLimiter;
  logger: { error(details: object, message: string): void };
  /** Whether a component is enabled (OCS apps §8.2): a boolean when known at once, else a promise. */
  componentEnabled(id: string): boolean | Promise<boolean>;
  /**
   * A streamed answer whose client takes nothing for this long is cut off, so that a stalled client
   * does not hold the answer's database snapshot (and connection) for ever. Default 60 s.
   */
  streamStallMs?: number;
}

export interface JsonRpcAdapter {
  /** The express routes: every request to the two paths. */
  router: express.Router;
  /** The same endpoints before express, for the requests it takes (./fastPath.ts). */
  fastPath(observers: readonly RequestHook[]): FastPath;
}

const STREAM_STALL_MS = 60_000;

type Mode = 'kanboard' | 'strict';
/** node's response with `res.locals` (express's, or the fast path's own). */
type JsonRpcResponse = ServerResponse & WithLocals;

function send(res: ServerResponse, answer: HttpAnswer): void {
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  res.statusCode = answer.status;
  if (answer.status === 204) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'application/json');
  res.end(answer.body ?? '');
}

function answerDisabled(res: ServerResponse): void {
  res.statusCode = 404;
  res.setHeader('Content-Type', 'application/json');
  res.end('{"message":"App jsonrpc is disabled"}');
}

function isJsonMediaType(req: IncomingMessage): boolean {
  const header = req.headers['content-type'];
  if (!header) return false;
  try {
    return parseContentType(header).type === 'application/json';
  } catch {
    return false;
  }
}

export function jsonRpcRouter(options: JsonRpcRouterOptions): express.Router {
  return createJsonRpcAdapter(options).router;
}

export function createJsonRpcAdapter(options: JsonRpcRouterOptions): JsonRpcAdapter {
  const router = express.Router();
  const elements = createElementDispatcher(options.dispatcher, options.batchLimit);
  const resolvers = { kanboard: procedureResolver(options.dispatcher, 'kanboard'), strict: procedureResolver(options.dispatcher, 'strict') };
  const endpoints = {
    kanboard: createEndpoint({ mode: 'kanboard', elements, batchLimit: options.batchLimit, dispatcher: options.dispatcher, authenticator: options.authenticator, rateLimiter: options.rateLimiter, resolve: resolvers.kanboard }),
    strict: createEndpoint({ mode: 'strict', elements, batchLimit: options.batchLimit, dispatcher: options.dispatcher, authenticator: options.authenticator, rateLimiter: options.rateLimiter, resolve: resolvers.strict }),
  };
  const readBody = express.raw({ type: () => true, limit: options.bodyLimit, inflate: true });

  /** A disabled `jsonrpc` component answers 404 on both endpoints before anything else. */
  function gate(_req: IncomingMessage, res: ServerResponse, next: () => void): void {
    let enabled: boolean | Promise<boolean>;
    try {
      enabled = options.componentEnabled('jsonrpc');
    } catch {
      return next(); // the database is unreachable: the call itself answers that
    }
    if (enabled === true) return next();
    if (enabled === false) return answerDisabled(res);
    enabled.then((on) => (on ? next() : answerDisabled(res)), () => next());
  }

  function handler(mode: Mode) {
    return async (req: Request, res: Response) => {
      if (mode === 'strict') {
        if (req.method !== 'POST') {
          res.setHeader('Allow', 'POST');
          return send(res, { status: 405, body: JSON.stringify(errorResponse(strictError(-32600, 'Invalid Request', 'method_not_allowed'), null)) });
        }
        if (!isJsonMediaType(req)) {
          return send(res, { status: 415, body: JSON.stringify(errorResponse(strictError(-32600, 'Invalid Request', 'unsupported_media_type'), null)) });
        }
      }
      await serve(mode, req, res, Buffer.isBuffer(req.body) ? req.body : undefined);
    };
  }

  /** The request once its body was read (and, in strict mode, its method and media type checked). */
  async function serve(mode: Mode, req: IncomingMessage, res: JsonRpcResponse, body: Buffer | undefined): Promise<void> {
    const requestId = requestIdOf(res);
    noteMethods(res, mode, body);
    const credentials = jsonRpcCredentials(req, options.apiAuthHeader);
    const answer = await endpoints[mode](body, credentials, { requestId, clientAddress: req.socket.remoteAddress ?? '', requestRecord: requestRecordOf(res) });
    if (answer.stream) await sendStreamed(res, answer, answer.stream, requestId);
    else send(res, answer);
  }

  /**
   * Writes a streamed answer (chunked, no Content-Length) as it is produced, with backpressure. Its
   * first page was read before, so a failure now comes after the status line and the first bytes:
   * the answer can no longer become an error object. The connection is then cut (the client sees an
   * incomplete chunked body, never a complete-looking wrong answer), the failure is logged and the
   * request counts as a server error.
   */
  async function sendStreamed(res: JsonRpcResponse, answer: HttpAnswer, stream: NonNullable<HttpAnswer['stream']>, requestId: string): Promise<void> {
    try {
      for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
      res.statusCode = answer.status;
      res.setHeader('Content-Type', 'application/json');
      await writeChunks(res, stream.chunks, { stallMs: options.streamStallMs ?? STREAM_STALL_MS });
    } catch (error) {
      const record = requestRecordOf(res);
      recordFailure(record, 'server');
      record.cutOff = true;
      // an AppError was logged where it happened (an unexpected one by the dispatcher)
      const cause = isAppError(error) ? { code: error.code } : { err: error };
      options.logger.error({ ...cause, requestId }, 'JSON-RPC answer cut off: its streamed result failed after the answer had begun');
    } finally {
      await stream.close();
    }
  }

  /** For the request log and metrics: the methods, as registered procedure names where they resolve. */
  function noteMethods(res: JsonRpcResponse, mode: Mode, body: Buffer | undefined): void {
    const { calls, elements, batch } = jsonRpcMethodsOf(body, decodeBody(body));
    const procedures = calls.map((name) => resolvers[mode](name));
    // unknown methods and invalid elements are answered inside a 200
    if (calls.length === 0 || calls.length < elements || procedures.includes(undefined)) recordFailure(requestRecordOf(res), 'client');
    const route = batch ? 'batch' : calls.length === 0 ? 'invalid' : (procedures[0]?.name ?? 'unknown');
    const noted: Partial<RequestRecord> = { route, rpcMethods: calls.map((name, i) => procedures[i]?.name ?? name) };
    if (batch) noted.batchSize = elements;
    recordRequest(res, noted);
  }

  const marks = (surface: 'jsonrpc' | 'rpc') => (_req: IncomingMessage, res: JsonRpcResponse, next: () => void) => {
    recordRequest(res, { surface, route: 'invalid' });
    next();
  };

  /** Body-reading failures become JSON-RPC errors, never express's HTML pages. */
  function bodyErrors(mode: Mode) {
    return (error: BodyError, _req: Request, res: Response, next: NextFunction) => {
      void next;
      bodyError(mode, error, res);
    };
  }

  function bodyError(mode: Mode, error: BodyError, res: JsonRpcResponse): void {
    recordFailure(requestRecordOf(res), 'client');
    if (error.type === 'entity.too.large') return send(res, limitExceededAnswer('body_too_large', options.bodyLimit, 413));
    if (error.type === 'encoding.unsupported' && mode === 'strict') {
      return send(res, { status: 415, body: JSON.stringify(errorResponse(strictError(-32600, 'Invalid Request', 'unsupported_media_type'), null)) });
    }
    // 4xx errors from reading the body (e.g. a corrupt gzip body, which has no `type`) are the
    // client's malformed input → -32700; anything else is unexpected → -32603.
    if (error.status === undefined || error.status >= 500) {
      options.logger.error({ err: error, requestId: requestIdOf(res) }, 'unexpected error in JSON-RPC endpoint');
      recordFailure(requestRecordOf(res), 'server');
      const internal = { code: -32603, message: 'Internal error', data: { requestId: requestIdOf(res) } };
      return send(res, { status: 200, body: JSON.stringify(errorResponse(internal, null)) });
    }
    return send(res, { status: 200, body: JSON.stringify(errorResponse(parseError(mode), null)) });
  }

  for (const [path, mode] of [['/jsonrpc.php', 'kanboard'], ['/rpc', 'strict']] as const) {
    router.all(path, marks(mode === 'kanboard' ? 'jsonrpc' : 'rpc'), gate, readBody, handler(mode), bodyErrors(mode));
  }
  const opening = { kanboard: marks('jsonrpc'), strict: marks('rpc') };
  return {
    router,
    // the same steps as the routes: marks, gate, (the body), handler, bodyErrors
    fastPath: (observers) =>
      jsonRpcFastPath({
        bodyLimit: options.bodyLimit,
        observers,
        isJsonMediaType,
        open: (mode, req, res, then) => opening[mode](req, res, () => gate(req, res, then)),
        serve,
        bodyError,
        // as app.ts's last error handler answers (res.json there)
        unhandled: (error, res) => {
          options.logger.error({ err: error, requestId: requestIdOf(res) }, 'unhandled error');
          if (res.headersSent) return void res.destroy();
          res.statusCode = 500;
          res.setHeader('Content-Type', 'application/json; charset=utf-8');
          res.end('{"message":"Internal error"}');
        },
      }),
  };
}
