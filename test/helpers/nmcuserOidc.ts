/**
 * Requests, expectations and fixtures for the nmcuser_oidc adapter tests (spec nmcuser-oidc):
 * provider `Telekom` (id 1, seeded from OIDC_PROVIDERS), the admin, a plain user `plain` and a
 * local user `local1` (both created through JSON-RPC createUser).
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { ADMIN, startTestApp, type TestApp } from './app';

export const V11 = '/apps/nmcuser_oidc/api/1.1';
export const PREFIXES = [V11, '/apps/nmcuser_oidc/api/1.0', '/index.php/apps/nmcuser_oidc/api/1.1', '/index.php/apps/nmcuser_oidc/api/1.0'] as const;

export type Caller = readonly [string, string];
export const ADMIN_CALLER: Caller = [ADMIN.username, ADMIN.password];
export const PLAIN: Caller = ['plain', 'plain-secret-1'];
export const LOCAL: Caller = ['local1', 'local1-secret-1'];

export const JSON_TYPE = 'application/json; charset=utf-8';
export const UNAUTHENTICATED = 'CORS requires basic auth';
export const NOT_ADMIN = 'Logged in account must be an admin';

export type OidcMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS' | 'PATCH' | 'HEAD';

export interface OidcRequestOptions {
  /** Basic credentials (default: the admin), 'none', or a raw Authorization header value. */
  auth?: Caller | 'none' | { header: string };
  /** JSON body: an object is serialised, a string is sent as is; Content-Type application/json. */
  json?: unknown;
  /** Form body (application/x-www-form-urlencoded): an object or a raw string. */
  form?: Record<string, string> | string;
  /** A raw body with its own content type. */
  raw?: { type: string; body: string };
  headers?: Record<string, string>;
  /** Default: the 1.1 prefix. */
  prefix?: string;
}

/** One request to `<prefix>/<path>` (path may carry a query string). */
export function oidc(t: TestApp, method: OidcMethod, path: string, options: OidcRequestOptions = {}): request.Test {
  const url = `${options.prefix ?? V11}/${path.replace(/^\//, '')}`;
  const agent = request(t.app);
  const byMethod = {
    GET: () => agent.get(url),
    POST: () => agent.post(url),
    PUT: () => agent.put(url),
    DELETE: () => agent.delete(url),
    OPTIONS: () => agent.options(url),
    PATCH: () => agent.patch(url),
    HEAD: () => agent.head(url),
  };
  let req = byMethod[method]();
  const auth = options.auth ?? ADMIN_CALLER;
  if (Array.isArray(auth)) req = req.auth(auth[0], auth[1]);
  else if (typeof auth === 'object' && 'header' in auth) req = req.set('Authorization', auth.header);
  for (const [name, value] of Object.entries(options.headers ?? {})) req = req.set(name, value);
  if (options.json !== undefined) {
    req = req.set('Content-Type', 'application/json').send(typeof options.json === 'string' ? options.json : JSON.stringify(options.json));
  } else if (options.form !== undefined) {
    const text = typeof options.form === 'string' ? options.form : new URLSearchParams(options.form).toString();
    req = req.set('Content-Type', 'application/x-www-form-urlencoded').send(text);
  } else if (options.raw !== undefined) {
    req = req.set('Content-Type', options.raw.type).send(options.raw.body);
  }
  return req;
}

const ESCAPES: Record<string, string> = { '/': '\\/', '<': '\\u003C', '>': '\\u003E' };

/** The escaping of §3, written independently of the service: `/`, `<`, `>` and non-ASCII (lowercase hex). */
export function escaped(json: string): string {
  return json.replace(/[/<>\u0080-\uffff]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The exact wire text of a JSON value as this adapter writes it. */
export const wire = (value: unknown): string => escaped(JSON.stringify(value));

interface Answer {
  status: number;
  text: string;
  headers: Record<string, string>;
}

/** Status, content type and the exact `{"message":…}` body. */
export function expectMessage(res: Answer, status: number, message: string): void {
  expect({ status: res.status, type: res.headers['content-type'], text: res.text }).toEqual({ status, type: JSON_TYPE, text: wire({ message }) });
}

/** Status 200, content type and the exact body. */
export function expectOk(res: Answer, body: unknown): void {
  expect({ status: res.status, type: res.headers['content-type'], text: res.text }).toEqual({ status: 200, type: JSON_TYPE, text: wire(body) });
}

export interface UserView {
  id: string;
  displayname: string;
  email: string | null;
  quota: string;
  altemail: string;
  migrated: boolean;
  enabled: boolean;
}

/** The §6.3 object in contract member order, with the defaults of a fresh user. */
export function userView(id: string, over: Partial<UserView> = {}): UserView {
  const v = { id, displayname: id, email: null, quota: '3GB', altemail: '', migrated: true, enabled: true, ...over };
  return { id: v.id, displayname: v.displayname, email: v.email, quota: v.quota, altemail: v.altemail, migrated: v.migrated, enabled: v.enabled };
}

/** Creates an OIDC user (expects 200) and returns its id. */
export async function createOidc(t: TestApp, body: Record<string, unknown>, provider = 'telekom'): Promise<string> {
  const res = await oidc(t, 'POST', `nmcusers/${encodeURIComponent(provider)}`, { json: body });
  if (res.status !== 200) throw new Error(`create ${String(body.username)} failed: ${res.status} ${res.text}`);
  return (JSON.parse(res.text) as { id: string }).id;
}

export const sha256Hex = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

export async function userCount(t: TestApp): Promise<number> {
  const row = await t.knex('users').count({ n: '*' }).first();
  return Number(row?.n);
}

export async function userRowByName(t: TestApp, username: string): Promise<Record<string, unknown> | undefined> {
  return t.knex('users').where({ username }).first();
}

/** Creates a provider through JSON-RPC (app token) and returns its id. */
export async function createProvider(t: TestApp, identifier: string): Promise<number> {
  const answer = await t.rpc('/rpc', 'createOidcProvider', { identifier });
  if (typeof answer.result !== 'number') throw new Error(`createOidcProvider ${identifier} failed: ${JSON.stringify(answer)}`);
  return answer.result;
}

/** A fresh app with the fixtures of §11 (Telekom id 1, admin, plain, local1). */
export async function startOidcApp(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await startTestApp({ env: { OIDC_PROVIDERS: 'Telekom', ...env } });
  await t.createUser(...PLAIN);
  await t.createUser(...LOCAL);
  return t;
}
