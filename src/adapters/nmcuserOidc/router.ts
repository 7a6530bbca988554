/**
 * The nmcuser_oidc REST adapter (nmcuser-oidc §3–§6): bare JSON, `{"message":…}` errors, CORS,
 * admin-only HTTP Basic, in the processing order of §4.1. Each route calls one procedure of the
 * `nmcuser_oidc` surface through the dispatcher.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Authenticator } from '../../core/authentication';
import type { Dispatcher } from '../../core/dispatcher';
import { AppError, isAppError, type ErrorCode } from '../../core/errors';
import { stringifyEscapedJson } from '../../core/jsonEscape';
import type { OidcUserView } from '../../core/oidcViews';
import type { Principal } from '../../core/procedure';
import type { RateLimiter } from '../../core/rateLimit';
import { formatQuotaCompact } from '../../core/quota';
import { basicCredentials } from '../http/credentials';
import { checkRateLimit } from '../http/rateLimit';
import { requestIdOf } from '../http/requestId';
import { recordRequest } from '../http/requestLog';
import { booleanField, bodyFields, countField, FieldError, queryFields, quotaField, stringField, type Fields } from './fields';

export interface NmcuserOidcRouterOptions {
  dispatcher: Dispatcher;
  authenticator: Authenticator;
  bodyLimit: number;
  componentEnabled(id: string): Promise<boolean>;
  /** RATE_LIMIT_PER_MINUTE: one unit per authenticated request. */
  rateLimiter: RateLimiter;
  logger: { error(details: object, message: string): void };
}

const PREFIX = /^(?:\/index\.php)?\/apps\/nmcuser_oidc\/api\/1\.[01](\/.*)?$/;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface OidcRoute {
  method: Method;
  /** `nmcusers/{provider}`, `nmcusers/{provider}/{id}`, `token/{provider}/{id}`. */
  path: readonly string[];
  procedure: string;
  /** The procedure params from the path values and the request fields (type errors throw FieldError). */
  params(path: Map<string, string>, fields: Fields): Record<string, unknown>;
  render(result: unknown): unknown;
  headers?: Record<string, string>;
}

function userFields(fields: Fields): Record<string, unknown> {
  return {
    displayname: stringField(fields, 'displayname'),
    email: stringField(fields, 'email'),
    altemail: stringField(fields, 'altemail'),
    quota: quotaField(fields, 'quota'),
    migrated: booleanField(fields, 'migrated'),
    enabled: booleanField(fields, 'enabled'),
  };
}

/** §6.3: members in contract order, quota in the compact form of §7.2. */
function renderUser(user: OidcUserView): object {
  return {
    id: user.id,
    displayname: user.displayname,
    email: user.email,
    quota: formatQuotaCompact(user.quota),
    altemail: user.altemail,
    migrated: user.migrated,
    enabled: user.enabled,
  };
}

const target = (path: Map<string, string>) => ({ provider: path.get('provider')!, id: path.get('id')! });

/** The routes after `/apps/nmcuser_oidc/api/1.{0,1}/`; also described by ./openapi.ts. */
export const ROUTES: readonly OidcRoute[] = [
  {
    method: 'GET',
    path: ['nmcusers', '{provider}'],
    procedure: 'oidcListUsers',
    params: (path, fields) => ({ provider: path.get('provider'), pattern: stringField(fields, 'pattern') ?? '', limit: countField(fields, 'limit'), offset: countField(fields, 'offset') }),
    render: (ids) => ids,
  },
  {
    method: 'POST',
    path: ['nmcusers', '{provider}'],
    procedure: 'oidcCreateUser',
    params: (path, fields) => ({ provider: path.get('provider'), username: stringField(fields, 'username'), ...userFields(fields) }),
    render: (result) => result,
  },
  { method: 'GET', path: ['nmcusers', '{provider}', '{id}'], procedure: 'oidcGetUser', params: target, render: (user) => renderUser(user as OidcUserView) },
  {
    method: 'PUT',
    path: ['nmcusers', '{provider}', '{id}'],
    procedure: 'oidcUpdateUser',
    params: (path, fields) => ({ ...target(path), ...userFields(fields) }),
    render: (user) => renderUser(user as OidcUserView),
  },
  { method: 'DELETE', path: ['nmcusers', '{provider}', '{id}'], procedure: 'oidcDeleteUser', params: target, render: () => '' },
  { method: 'GET', path: ['token', '{provider}', '{id}'], procedure: 'oidcMintToken', params: target, render: (result) => result, headers: { 'Cache-Control': 'no-store' } },
];

function matchPath(pattern: readonly string[], segments: readonly string[]): Map<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const values = new Map<string, string>();
  for (let i = 0; i < pattern.length; i += 1) {
    const placeholder = /^\{(\w+)\}$/.exec(pattern[i]);
    if (placeholder) values.set(placeholder[1], segments[i]);
    else if (pattern[i] !== segments[i]) return null;
  }
  return values;
}

/** Segments after the prefix, decoded once; one trailing slash tolerated; null when undecodable. */
function segmentsOf(rest: string): string[] | null {
  let path = rest.endsWith('/') ? rest.slice(0, -1) : rest;
  if (path.startsWith('/')) path = path.slice(1);
  if (path === '') return [];
  try {
    return path.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return null;
  }
}

type Message = (details: AppError['details'], request: { provider: string; username: string }) => string;

/** RATE_LIMIT_PER_MINUTE spent: HTTP 429 with `Retry-After`. */
const RATE_LIMITED_MESSAGE = 'Too many requests';

/** Failures → HTTP status and message. Codes a well-formed call cannot cause answer 500 and are logged. */
const FAILURES: Readonly<Record<ErrorCode, readonly [number, Message] | 'unexpected'>> = {
  METHOD_NOT_FOUND: 'unexpected',
  WRONG_ARGUMENTS: 'unexpected',
  INVALID_PARAMS: [
    400,
    (d) =>
      d.reason === 'field_required' ? `${d.value} is required`
      : d.reason === 'quota_invalid' ? `Invalid quota value ${d.value}`
      : d.reason === 'field_invalid' ? `Invalid value for ${d.value}`
      : 'Invalid request',
  ],
  NOT_FOUND: [404, (d) => (d.reason === 'provider_missing' ? `No oidc provider ${d.value}` : d.reason === 'user_missing' ? `No user ${d.value}, id=${d.computedId}` : 'Not found')],
  // user_exists names the body's username; a concurrent duplicate loses at the unique index
  ALREADY_EXISTS: [409, (d, r) => `OpenID user ${r.provider}:${d.value ?? r.username} already exists!`],
  FORBIDDEN: [403, () => 'Logged in account must be an admin'],
  REFUSED: 'unexpected',
  UNAUTHENTICATED: [401, () => 'CORS requires basic auth'],
  PRECONDITION_FAILED: 'unexpected',
  RATE_LIMITED: [429, () => RATE_LIMITED_MESSAGE],
  LIMIT_EXCEEDED: 'unexpected',
  INTERNAL: [500, () => 'Internal error'],
};

export function nmcuserOidcRouter(options: NmcuserOidcRouterOptions): express.Router {
  const { dispatcher, authenticator, logger } = options;
  for (const route of ROUTES) {
    if (!dispatcher.resolve(route.procedure, false, 'nmcuser_oidc')) throw new Error(`nmcuser_oidc route names unknown procedure ${route.procedure}`);
  }
  const router = express.Router();
  const readRaw = express.raw({ type: () => true, limit: options.bodyLimit, inflate: true });

  function send(req: Request, res: Response, status: number, payload: unknown, headers: Record<string, string> = {}): void {
    const origin = req.get('origin');
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.status(status).setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(stringifyEscapedJson(payload));
  }

  const message = (req: Request, res: Response, status: number, text: string) => send(req, res, status, { message: text });

  function preflight(req: Request, res: Response): void {
    res.status(200);
    res.setHeader('Access-Control-Allow-Origin', req.get('origin') ?? '*');
    res.setHeader('Access-Control-Allow-Methods', 'PUT, POST, GET, DELETE, PATCH');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept');
    res.setHeader('Access-Control-Max-Age', '1728000');
    res.setHeader('Access-Control-Allow-Credentials', 'false');
    if (req.get('origin') !== undefined) res.setHeader('Vary', 'Origin');
    res.end();
  }

  async function handle(req: Request, res: Response, rest: string): Promise<void> {
    const requestId = requestIdOf(res);
    if (!(await options.componentEnabled('nmcuser_oidc'))) return message(req, res, 404, 'App nmcuser_oidc is disabled');
    if (req.method === 'OPTIONS') {
      recordRequest(res, { route: 'OPTIONS preflight' });
      return preflight(req, res);
    }
    const segments = segmentsOf(rest);
    let match: { route: OidcRoute; path: Map<string, string> } | null = null;
    let pathKnown = false;
    for (const route of segments ? ROUTES : []) {
      const values = matchPath(route.path, segments!);
      if (!values) continue;
      pathKnown = true;
      if (route.method === req.method) {
        match = { route, path: values };
        break;
      }
    }
    if (!match) return pathKnown ? message(req, res, 405, 'Method not allowed') : message(req, res, 404, 'Not found');
    recordRequest(res, { route: `${match.route.method} ${match.route.path.join('/')}` });

    const credentials = basicCredentials(req);
    const principal: Principal | null = credentials ? await authenticator.authenticate(credentials, { allowAppToken: false, requestId: requestIdOf(res) }) : null;
    if (!principal || principal.kind !== 'user') return message(req, res, 401, 'CORS requires basic auth');
    const limited = await checkRateLimit(options.rateLimiter, principal, 1);
    if (limited) return send(req, res, 429, { message: RATE_LIMITED_MESSAGE }, limited.headers);
    if (principal.user.role !== 'app-admin') return message(req, res, 403, 'Logged in account must be an admin');

    const { route, path } = match;
    // §4.1 step 6: only POST and PUT bodies are read, and only now (after authorization)
    let body: Buffer | undefined;
    if (req.method === 'POST' || req.method === 'PUT') {
      const read = await readBody(req, res);
      if (read.kind === 'too_large') return message(req, res, 413, 'Request body too large');
      if (read.kind === 'unreadable') return message(req, res, 400, 'Invalid JSON body');
      body = read.body;
    }
    let params: Record<string, unknown>;
    let fields: Fields;
    try {
      fields = queryFields(req.originalUrl);
      for (const [name, value] of bodyFields(req.get('content-type'), body)) fields.set(name, value);
      params = Object.fromEntries(Object.entries(route.params(path, fields)).filter(([, value]) => value !== undefined));
    } catch (error) {
      if (error instanceof FieldError) return message(req, res, 400, error.message);
      throw error;
    }

    const procedure = dispatcher.resolve(route.procedure, false, 'nmcuser_oidc')!;
    let result: unknown;
    try {
      result = await dispatcher.call(procedure, params, {
        principal,
        mode: 'strict',
        requestId,
        surface: 'nmcuser_oidc',
        route: `${route.method} /apps/nmcuser_oidc/api/1.1/${route.path.join('/')}`,
        clientAddress: req.socket.remoteAddress ?? '',
      });
    } catch (error) {
      const appError = isAppError(error) ? error : new AppError('INTERNAL');
      const failure = FAILURES[appError.code];
      if (failure === 'unexpected') {
        logger.error({ requestId, code: appError.code, procedure: route.procedure }, 'nmcuser_oidc failure without a mapping');
        return message(req, res, 500, 'Internal error');
      }
      const request = { provider: path.get('provider') ?? '', username: typeof params.username === 'string' ? params.username : '' };
      return message(req, res, failure[0], failure[1](appError.details, request));
    }
    send(req, res, 200, route.render(result), route.headers);
  }

  type BodyRead = { kind: 'ok'; body: Buffer | undefined } | { kind: 'too_large' } | { kind: 'unreadable' };

  function readBody(req: Request, res: Response): Promise<BodyRead> {
    return new Promise((resolve) => {
      readRaw(req, res, (error?: unknown) => {
        const failure = error as { type?: string } | undefined;
        if (failure?.type === 'entity.too.large') return resolve({ kind: 'too_large' });
        if (failure) return resolve({ kind: 'unreadable' });
        resolve({ kind: 'ok', body: Buffer.isBuffer(req.body) ? req.body : undefined });
      });
    });
  }

  router.use((req: Request, res: Response, next: NextFunction) => {
    const match = PREFIX.exec(req.originalUrl.split('?')[0]);
    if (!match) return next();
    recordRequest(res, { surface: 'nmcuser_oidc' });
    handle(req, res, match[1] ?? '').catch((unexpected: unknown) => {
      logger.error({ err: unexpected, requestId: requestIdOf(res) }, 'unexpected error in nmcuser_oidc endpoint');
      if (!res.headersSent) message(req, res, 500, 'Internal error');
    });
  });
  return router;
}
