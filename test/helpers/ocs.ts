/**
 * OCS request helpers and the fixtures of ocs-provisioning §11: users `admin` (in `admin`),
 * `alice` (alice@example.com), `bob` (no email), `sub` (member and subadmin of `team`), `carol`
 * (member of `team`), `plain`; groups `admin`, `team`, `other`.
 */
import request from 'supertest';
import { ADMIN, type TestApp } from './app';

export type OcsVersion = 1 | 2;
export type OcsCaller = readonly [string, string] | 'none';
export type OcsHttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export const PASSWORD = 'Fixture-pw-1';
export const ADMIN_CALLER: OcsCaller = [ADMIN.username, ADMIN.password];
export const as = (username: string): OcsCaller => (username === ADMIN.username ? ADMIN_CALLER : [username, PASSWORD]);

export interface OcsRequestOptions {
  caller?: OcsCaller;
  /** Sends `?format=…` (added to the query string). */
  format?: 'json' | 'xml';
  /** Form body (object → PHP-style encoding with `name[]` for arrays, or a raw string). */
  form?: Record<string, string | readonly string[]> | string;
  /** JSON body (serialised as is; a string is sent raw with a JSON content type). */
  json?: unknown;
  headers?: Record<string, string>;
  /** Send `OCS-APIRequest: true` (default true). */
  apiHeader?: boolean;
}

/** Encodes an object PHP style: arrays as repeated `name[]`. */
export function formBody(fields: Record<string, string | readonly string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') params.append(key, value);
    else for (const item of value) params.append(`${key}[]`, item);
  }
  return params.toString();
}

/** One OCS request; `path` is relative to `/ocs/v{n}.php/cloud/` and may carry a query string. */
export function ocsRequest(t: TestApp, method: OcsHttpMethod, version: OcsVersion, path: string, options: OcsRequestOptions = {}): request.Test {
  let url = `/ocs/v${version}.php/cloud/${path.replace(/^\//, '')}`;
  if (options.format) url += `${url.includes('?') ? '&' : '?'}format=${options.format}`;
  const agent = request(t.app);
  let req = method === 'GET' ? agent.get(url) : method === 'POST' ? agent.post(url) : method === 'PUT' ? agent.put(url) : agent.delete(url);
  const caller = options.caller ?? ADMIN_CALLER;
  if (caller !== 'none') req = req.auth(caller[0], caller[1]);
  if (options.apiHeader ?? true) req = req.set('OCS-APIRequest', 'true');
  for (const [name, value] of Object.entries(options.headers ?? {})) req = req.set(name, value);
  if (options.form !== undefined) {
    req = req.set('Content-Type', 'application/x-www-form-urlencoded').send(typeof options.form === 'string' ? options.form : formBody(options.form));
  } else if (options.json !== undefined) {
    req = req.set('Content-Type', 'application/json').send(typeof options.json === 'string' ? options.json : JSON.stringify(options.json));
  }
  return req;
}

export interface OcsJsonAnswer {
  status: number;
  statuscode: number;
  message: string;
  meta: Record<string, unknown>;
  data: unknown;
  text: string;
}

/** A request answered in JSON (`format=json`), parsed. */
export async function ocsJson(t: TestApp, method: OcsHttpMethod, version: OcsVersion, path: string, options: Omit<OcsRequestOptions, 'format'> = {}): Promise<OcsJsonAnswer> {
  const res = await ocsRequest(t, method, version, path, { ...options, format: 'json' });
  let parsed: { ocs?: { meta?: Record<string, unknown>; data?: unknown } };
  try {
    parsed = JSON.parse(res.text);
  } catch {
    throw new Error(`Not JSON (HTTP ${res.status}): ${res.text}`);
  }
  const meta = parsed.ocs?.meta ?? {};
  return { status: res.status, statuscode: meta.statuscode as number, message: meta.message as string, meta, data: parsed.ocs?.data, text: res.text };
}

/** Creates a user over OCS as the admin; fails the test when it does not answer 100. */
export async function createOcsUser(t: TestApp, fields: Record<string, string | readonly string[]>): Promise<void> {
  const answer = await ocsJson(t, 'POST', 1, 'users', { form: { password: PASSWORD, ...fields } });
  if (answer.statuscode !== 100) throw new Error(`create ${String(fields.userid)} failed: ${answer.text}`);
}

async function expect100(answer: Promise<OcsJsonAnswer>, what: string): Promise<void> {
  const result = await answer;
  if (result.statuscode !== 100) throw new Error(`${what} failed: ${result.text}`);
}

/** The §11 fixtures, created through OCS (password of every fixture user but admin: PASSWORD). */
export async function seedOcsFixtures(t: TestApp): Promise<void> {
  for (const groupid of ['team', 'other']) await expect100(ocsJson(t, 'POST', 1, 'groups', { form: { groupid } }), `group ${groupid}`);
  await createOcsUser(t, { userid: 'alice', email: 'alice@example.com', displayName: 'Alice Adams' });
  await createOcsUser(t, { userid: 'bob' });
  await createOcsUser(t, { userid: 'sub', groups: ['team'] });
  await createOcsUser(t, { userid: 'carol', groups: ['team'] });
  await createOcsUser(t, { userid: 'plain' });
  await expect100(ocsJson(t, 'POST', 1, 'users/sub/subadmins', { form: { groupid: 'team' } }), 'promote sub');
}
