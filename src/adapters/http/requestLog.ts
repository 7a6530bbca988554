/**
 * Per-request observation: one record per HTTP request that the adapters fill in (surface, route,
 * JSON-RPC methods, wire failures) and app.ts's instrumented authenticator and dispatcher fill in
 * (caller, call failures). Those find the record in the options of the call when the adapter puts
 * it there (`ObservedOptions`, the JSON-RPC endpoints), else through async-local storage (the
 * other adapters). When the response is done, the record becomes one summary, handed to the request
 * log line and to the metrics. Bodies are never looked at here.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Principal } from '../../core/procedure';
import { requestIdOf, type WithLocals } from './requestId';

export type RequestSurface = 'jsonrpc' | 'rpc' | 'ocs' | 'nmcuser_oidc' | 'other';

/**
 * `ok`; `client_error` (HTTP 4xx, or a refused call inside a 200 answer: a JSON-RPC error, an OCS
 * failure statuscode); `server_error` (HTTP 5xx, or an internal error inside a 200 answer);
 * `aborted` (the client went away before the answer was sent).
 */
export type RequestOutcome = 'ok' | 'client_error' | 'server_error' | 'aborted';

export interface RequestRecord {
  surface: RequestSurface;
  /** Bounded label: a route pattern (`GET users/{userid}`), a registered procedure name, `batch`, `unknown`… */
  route?: string;
  /** JSON-RPC: the method names of the request (at most MAX_LOGGED_METHODS; never params). */
  rpcMethods?: string[];
  /** JSON-RPC batches: the number of elements. */
  batchSize?: number;
  /** The authenticated caller: a username, or `jsonrpc` for the application token. Never a secret. */
  caller?: string;
  /** How the caller authenticated: password, app_password, personal_token, app_token. */
  callerVia?: string;
  /** Credentials were sent and refused. */
  authFailed?: boolean;
  /** The worst failure inside the answer that its HTTP status does not show. */
  failure?: 'client' | 'server';
  /** The server cut the connection after the answer had begun (a streamed result failed mid-way). */
  cutOff?: boolean;
}

export interface RequestSummary extends RequestRecord {
  requestId: string;
  httpMethod: string;
  /** The path without the query string (queries may carry parameters such as passwords). */
  path: string;
  route: string;
  status: number;
  outcome: RequestOutcome;
  durationSeconds: number;
}

/** What an adapter may add to the options of `authenticate` and `call`: the request's record. */
export interface ObservedOptions {
  requestRecord?: RequestRecord;
}

const storage = new AsyncLocalStorage<RequestRecord>();
const RECORD = 'requestRecord';
const MAX_LOGGED_METHODS = 20;
const MAX_NAME_LENGTH = 64;
const MAX_PATH_LENGTH = 256;

/** The record of this response (created on first use, so adapters work without the middleware). */
export function requestRecordOf(res: WithLocals): RequestRecord {
  let record = res.locals[RECORD] as RequestRecord | undefined;
  if (!record) {
    record = { surface: 'other' };
    res.locals[RECORD] = record;
  }
  return record;
}

/** Adapters: note what this request is (surface, route, methods). */
export function recordRequest(res: WithLocals, fields: Partial<RequestRecord>): void {
  Object.assign(requestRecordOf(res), fields);
}

/** Notes a failure the HTTP status will not show; a server failure outweighs a client one. */
export function recordFailure(record: RequestRecord | undefined, failure: 'client' | 'server'): void {
  if (record && record.failure !== 'server') record.failure = failure;
}

/**
 * The record of the request being served, for code that has no `res` (authenticator, dispatcher):
 * the one in `options` when the adapter passed it, else the async-local one.
 */
export function currentRequest(options?: object): RequestRecord | undefined {
  return (options as ObservedOptions | undefined)?.requestRecord ?? storage.getStore();
}

/** Notes who called (never the secret). */
export function recordCaller(record: RequestRecord | undefined, principal: Principal): void {
  if (!record) return;
  if (principal.kind === 'app') [record.caller, record.callerVia] = ['jsonrpc', 'app_token'];
  else [record.caller, record.callerVia] = [principal.user.username, principal.via];
}

/**
 * The method names of a JSON-RPC body, for logs and labels only (the endpoint parses it for real):
 * `calls` holds the elements' method names, `elements` counts the elements; `calls` is empty when
 * no element names a method (a parse error, an invalid request).
 */
export function jsonRpcMethodsOf(body: Buffer | undefined, parsedBody?: { value: unknown } | null): { calls: string[]; elements: number; batch: boolean } {
  if (!body || body.length === 0) return { calls: [], elements: 0, batch: false };
  let parsed: unknown;
  try {
    // the endpoint's own parse when there is one: the same value, unless a byte order mark (which
    // the endpoint drops and this reading does not) leads the body
    parsed = parsedBody && !hasByteOrderMark(body) ? parsedBody.value : JSON.parse(body.toString('utf8'));
  } catch {
    return { calls: [], elements: 0, batch: false };
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const calls = list
    .map((element) => (typeof element === 'object' && element !== null ? (element as { method?: unknown }).method : undefined))
    .filter((method): method is string => typeof method === 'string');
  return { calls, elements: list.length, batch: Array.isArray(parsed) };
}

const hasByteOrderMark = (body: Buffer) => body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;

/** Logged method names: bounded in number and length. */
export function loggedMethodNames(names: readonly string[]): string[] {
  return names.slice(0, MAX_LOGGED_METHODS).map((name) => (name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH)}…` : name));
}

function outcomeOf(status: number, record: RequestRecord, aborted: boolean): RequestOutcome {
  if (record.cutOff) return 'server_error'; // the connection closed unfinished, but by the server
  if (aborted) return 'aborted';
  if (status >= 500 || record.failure === 'server') return 'server_error';
  if (status >= 400 || record.failure === 'client') return 'client_error';
  return 'ok';
}

function routeOf(req: IncomingMessage, record: RequestRecord): string {
  if (record.route) return record.route;
  if (record.surface !== 'other') return 'unknown';
  const matched = ((req as Partial<Request>).route as { path?: unknown } | undefined)?.path;
  return typeof matched === 'string' ? `${req.method} ${matched}` : 'unmatched';
}

export type RequestHook = (summary: RequestSummary) => void;

/**
 * Opens the request's record and calls every hook once with the summary when the response is
 * finished or the connection closed. `res.locals` must exist (express's, or the caller's own).
 */
export function openRequestRecord(req: IncomingMessage, res: ServerResponse & WithLocals, onComplete: readonly RequestHook[]): RequestRecord {
  const started = process.hrtime.bigint();
  const record = requestRecordOf(res);
  let done = false;
  const complete = () => {
    if (done) return;
    done = true;
    // the connection closed first, or the request body was cut off (the answer went nowhere)
    const aborted = !res.writableFinished || req.readableAborted;
    const path = ((req as Partial<Request>).originalUrl ?? req.url ?? '').split('?')[0];
    // the record's members first, then these (as `{ ...record, … }` would; V8 builds that literal
    // about a hundred times slower than this)
    const summary = Object.assign({}, record) as RequestSummary;
    summary.requestId = requestIdOf(res);
    summary.httpMethod = req.method ?? '';
    summary.path = path.length > MAX_PATH_LENGTH ? `${path.slice(0, MAX_PATH_LENGTH)}…` : path;
    summary.route = routeOf(req, record);
    summary.status = res.statusCode;
    summary.outcome = outcomeOf(res.statusCode, record, aborted);
    summary.durationSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const hook of onComplete) hook(summary);
  };
  res.once('finish', complete);
  res.once('close', complete);
  return record;
}

/** Middleware (after requestIdMiddleware): opens the request's record. */
export function observeRequests(onComplete: readonly RequestHook[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    openRequestRecord(req, res, onComplete);
    next();
  };
}

/**
 * Runs an adapter with the request's record in async-local storage, for adapters that do not hand
 * it to the authenticator and the dispatcher themselves. Only those pay for async-local storage:
 * once it is in use, every promise in the process carries its context.
 */
export function withRecordInScope(handler: RequestHandler): RequestHandler {
  return (req, res, next) => storage.run(requestRecordOf(res), () => handler(req, res, next));
}

export interface RequestLogLogger {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
  debug(details: object, message: string): void;
  /** pino's: when it says a level is off, the line for it is not even built. */
  isLevelEnabled?(level: string): boolean;
}

const OMITTED_FROM_LINE: ReadonlySet<string> = new Set(['durationSeconds', 'rpcMethods', 'failure']);

/** Probes and scrapes: logged at debug while they succeed, so they do not drown the request log. */
const QUIET_ROUTES = new Set(['GET /healthz', 'GET /readyz', 'GET /metrics', 'HEAD /healthz', 'HEAD /readyz', 'HEAD /metrics']);

/**
 * One `request completed` line per request: info, warn for server errors (the failure itself is
 * logged once, at error, where it happened — §3.6 of the OCS contract), debug for successful
 * probes. No headers, query strings or bodies.
 */
export function requestLogLine(logger: RequestLogLogger) {
  return (summary: RequestSummary): void => {
    const level =
      summary.outcome === 'server_error' ? 'warn'
      : summary.outcome === 'ok' && summary.surface === 'other' && QUIET_ROUTES.has(summary.route) ? 'debug'
      : 'info';
    if (logger.isLevelEnabled && !logger.isLevelEnabled(level)) return;
    // the summary's members in their order, without durationSeconds, rpcMethods and failure; then these
    const line: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(summary)) if (!OMITTED_FROM_LINE.has(key)) line[key] = value;
    line.durationMs = Math.round(summary.durationSeconds * 1e4) / 10;
    if (summary.rpcMethods) line.rpcMethods = loggedMethodNames(summary.rpcMethods);
    logger[level](line, 'request completed');
  };
}
