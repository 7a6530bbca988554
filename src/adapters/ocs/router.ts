/**
 * Express glue of the OCS Provisioning adapter (ocs-provisioning §3): reads the raw body itself,
 * authenticates with HTTP Basic through the shared authenticator, applies the processing order of
 * §3.6, calls the route's procedure through the dispatcher and writes the §4 envelope.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Authenticator } from '../../core/authentication';
import type { Dispatcher } from '../../core/dispatcher';
import { AppError, isAppError } from '../../core/errors';
import type { Principal } from '../../core/procedure';
import type { RateLimiter } from '../../core/rateLimit';
import { basicCredentials } from '../http/credentials';
import { checkRateLimit } from '../http/rateLimit';
import { requestIdOf } from '../http/requestId';
import { recordFailure, recordRequest, requestRecordOf } from '../http/requestLog';
import { chooseFormat, renderOcsResponse, type OcsVersion } from './envelope';
import type { OcsValue } from './ocsValue';
import { bodyKind, MalformedJsonBody, mergeParams, parseFormParams, parseJsonParams, readParams, textParam, type RawParams } from './params';
import { findRoute, type OcsLevel, type OcsRoute } from './route';
import { OCS_ROUTES } from './routes';
import { failureOf, INTERNAL_FAILURE, LEVEL_MESSAGES, MALFORMED_BODY_FAILURE, RATE_LIMITED_FAILURE, type OcsFailure } from './failures';

export interface OcsRouterOptions {
  dispatcher: Dispatcher;
  authenticator: Authenticator;
  bodyLimit: number;
  /** OCS_REQUIRE_API_HEADER (§3.4). */
  requireApiHeader: boolean;
  /** RATE_LIMIT_PER_MINUTE: one unit per authenticated request. */
  rateLimiter: RateLimiter;
  logger: { error(details: object, message: string): void };
}

const OCS_PATH = /^\/ocs\/v([12])\.php(\/.*)?$/;
const INVALID_QUERY =
  'Invalid query, please check the syntax. API specifications are here: http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.\n';

interface OcsRequest {
  version: OcsVersion;
  /** Segments after `/cloud/`, decoded once; null when the path is not under `/cloud` or cannot be decoded. */
  segments: string[] | null;
  query: RawParams;
  body: RawParams;
  malformedBody: boolean;
  format: 'xml' | 'json';
}

/** Splits and decodes the path after `/ocs/v{1,2}.php` (§3.1: one trailing slash tolerated, decoded once). */
function cloudSegments(rest: string): string[] | null {
  if (rest !== '/cloud' && !rest.startsWith('/cloud/')) return null;
  let path = rest.slice('/cloud'.length);
  if (path.endsWith('/')) path = path.slice(0, -1);
  if (path === '') return [];
  try {
    return path.slice(1).split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return null;
  }
}

function readBody(req: Request): { params: RawParams; malformed: boolean } {
  const raw = Buffer.isBuffer(req.body) ? req.body : undefined;
  const kind = bodyKind(req.get('content-type'));
  if (!raw || raw.length === 0 || !kind) return { params: new Map(), malformed: false };
  const text = raw.toString('utf8');
  if (kind === 'form') return { params: parseFormParams(text), malformed: false };
  try {
    return { params: parseJsonParams(text), malformed: false };
  } catch (error) {
    if (error instanceof MalformedJsonBody) return { params: new Map(), malformed: true };
    throw error;
  }
}

function parseRequest(req: Request, version: OcsVersion, rest: string): OcsRequest {
  const url = req.originalUrl;
  const queryStart = url.indexOf('?');
  const query = queryStart < 0 ? new Map() : parseFormParams(url.slice(queryStart + 1));
  const body = readBody(req);
  const format = chooseFormat(textParam(mergeParams(query, body.params).get('format')), req.get('accept'));
  return { version, segments: cloudSegments(rest), query, body: body.params, malformedBody: body.malformed, format };
}

export function ocsRouter(options: OcsRouterOptions): express.Router {
  const { dispatcher, authenticator, logger } = options;
  const router = express.Router();
  for (const route of OCS_ROUTES) {
    if (!dispatcher.resolve(route.procedure, false, 'ocs')) throw new Error(`OCS route ${route.method} ${route.path} names unknown procedure ${route.procedure}`);
  }
  const readRaw = express.raw({ type: () => true, limit: options.bodyLimit, inflate: true });

  function send(res: Response, ocs: OcsRequest, statuscode: number, message?: string, data?: OcsValue, headers: Record<string, string> = {}): void {
    const answer = renderOcsResponse({ version: ocs.version, format: ocs.format, statuscode, message, data });
    if (statuscode !== 100) recordFailure(requestRecordOf(res), statuscode === 996 ? 'server' : 'client');
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.status(answer.httpStatus).setHeader('Content-Type', answer.contentType);
    res.end(answer.body);
  }

  function sendFailure(res: Response, ocs: OcsRequest, [statuscode, message]: OcsFailure): void {
    send(res, ocs, statuscode, message);
  }

  function unauthorised(req: Request, res: Response, ocs: OcsRequest): void {
    const scheme = req.get('x-requested-with') === 'XMLHttpRequest' ? 'DummyBasic' : 'Basic';
    send(res, ocs, 997, 'Unauthorised', undefined, { 'WWW-Authenticate': `${scheme} realm="Authorisation Required"` });
  }

  function params(req: Request, ocs: OcsRequest, route: OcsRoute, values: Map<string, string>): Record<string, unknown> {
    const merged = mergeParams(ocs.query, ocs.body, values);
    const out: Record<string, unknown> = readParams(merged, route.params ?? {});
    for (const [name, value] of values) out[name] = value;
    Object.assign(out, route.fixed);
    if (route.serviceUrl) out.serviceUrl = `${req.protocol}://${req.get('host') ?? 'localhost'}/`;
    return out;
  }

  async function callerMeetsLevelB(principal: Principal, requestId: string): Promise<boolean> {
    const procedure = dispatcher.resolve('ocsCallerLevel', false, 'ocs')!;
    const level = (await dispatcher.call(procedure, {}, { principal, mode: 'strict', requestId, surface: 'ocs' })) as { admin: boolean; subadmin: boolean };
    return level.admin || level.subadmin;
  }

  function isAdmin(principal: Principal): boolean {
    return principal.kind === 'user' && principal.user.role === 'app-admin';
  }

  const adminLevels: ReadonlySet<OcsLevel> = new Set(['A', 'S']);

  async function handle(req: Request, res: Response, version: OcsVersion, rest: string): Promise<void> {
    const requestId = requestIdOf(res);
    const ocs = parseRequest(req, version, rest);
    res.locals.ocsFormat = ocs.format;
    const credentials = basicCredentials(req);
    let principal: Principal | null = null;
    if (credentials) {
      principal = await authenticator.authenticate(credentials, { allowAppToken: false, requestId });
      if (!principal) return unauthorised(req, res, ocs);
      const limited = await checkRateLimit(options.rateLimiter, principal, 1);
      if (limited) return send(res, ocs, ...RATE_LIMITED_FAILURE, undefined, limited.headers);
    }
    const lookup = ocs.segments ? findRoute(OCS_ROUTES, req.method, ocs.segments) : { kind: 'unknown' as const };
    if (lookup.kind === 'unknown') return send(res, ocs, 998, INVALID_QUERY);
    if (lookup.kind === 'method_not_allowed') {
      res.status(405).end();
      return;
    }
    const { route, values } = lookup.match;
    recordRequest(res, { route: `${route.method} ${route.path}` });
    if (!principal) return send(res, ocs, 997, 'Current user is not logged in');
    if (adminLevels.has(route.level) && !isAdmin(principal)) return send(res, ocs, 403, LEVEL_MESSAGES[route.level]);
    if (options.requireApiHeader && !req.get('ocs-apirequest')) {
      res.status(412).setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end('{"message":"CSRF check failed"}');
      return;
    }
    if (route.level === 'B' && !(await callerMeetsLevelB(principal, requestId))) return send(res, ocs, 403, LEVEL_MESSAGES.B);
    if (ocs.malformedBody) return sendFailure(res, ocs, MALFORMED_BODY_FAILURE);

    const procedure = dispatcher.resolve(route.procedure, false, 'ocs')!;
    let result: unknown;
    try {
      result = await dispatcher.call(procedure, params(req, ocs, route, values), {
        principal,
        mode: 'strict',
        requestId,
        surface: 'ocs',
        route: `${route.method} /ocs/v${version}.php/cloud/${route.path}`,
        clientAddress: req.socket.remoteAddress ?? '',
      });
    } catch (error) {
      const appError = isAppError(error) ? error : new AppError('INTERNAL');
      return sendFailure(res, ocs, failureOf(route, appError, (details) => logger.error({ ...details, requestId }, 'OCS failure without a mapping')));
    }
    const render = route.render as ((value: unknown) => OcsValue) | undefined;
    send(res, ocs, 100, undefined, render ? render(result) : undefined);
  }

  router.use((req: Request, res: Response, next: NextFunction) => {
    const path = req.originalUrl.split('?')[0];
    const match = OCS_PATH.exec(path);
    if (!match) return next();
    recordRequest(res, { surface: 'ocs' });
    const version = Number(match[1]) as OcsVersion;
    readRaw(req, res, (error?: unknown) => {
      if (error) return bodyError(error as { type?: string; status?: number }, req, res, version, match[2] ?? '');
      handle(req, res, version, match[2] ?? '').catch((failure: unknown) => {
        logger.error({ err: failure, requestId: requestIdOf(res) }, 'unexpected error in OCS endpoint');
        if (res.headersSent) return;
        const format = (res.locals.ocsFormat as 'xml' | 'json' | undefined) ?? chooseFormat(undefined, req.get('accept'));
        const ocs = { version, segments: null, query: new Map(), body: new Map(), malformedBody: false, format };
        sendFailure(res, ocs, INTERNAL_FAILURE);
      });
    });
  });

  /** §3.2 item 8: too large → 413 with an empty body; other unreadable bodies → 400, empty. */
  function bodyError(error: { type?: string; status?: number }, _req: Request, res: Response, _version: OcsVersion, _rest: string): void {
    if (error.type === 'entity.too.large') {
      res.status(413).end();
      return;
    }
    if (error.status !== undefined && error.status < 500) {
      res.status(400).end();
      return;
    }
    logger.error({ err: error, requestId: requestIdOf(res) }, 'unexpected error reading an OCS body');
    res.status(500).end();
  }

  return router;
}
