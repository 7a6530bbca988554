/**
 * Shared expectations for the user-procedure adapter tests: exact response bodies at both
 * endpoints, the §6.1 user object and the secret-member check.
 */
import type { Endpoint, TestApp } from './app';

export const COMPAT: Endpoint = '/jsonrpc.php';
export const STRICT: Endpoint = '/rpc';

/** The §6.1 user object with its defaults, members in wire order. */
export function userObject(id: number, username: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    username,
    is_ldap_user: false,
    name: '',
    email: '',
    google_id: null,
    github_id: null,
    notifications_enabled: false,
    timezone: null,
    language: null,
    disable_login_form: false,
    twofactor_activated: false,
    notifications_filter: 4,
    nb_failed_login: 0,
    lock_expiration_date: 0,
    gitlab_id: null,
    role: 'app-user',
    is_active: true,
    avatar_path: null,
    filter: null,
    theme: 'light',
    ...over,
  };
}

/** The bootstrap admin (id 1) as getUser shows it. */
export const adminObject = () => userObject(1, 'admin', { name: null, email: null, role: 'app-admin' });

const SECRET_MEMBERS = ['password', 'api_access_token', 'twofactor_secret', 'token'];

/** Fails when any object inside `value` that looks like a user object carries a secret member. */
export function expectNoSecrets(value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach(expectNoSecrets);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const obj = value as Record<string, unknown>;
  if ('username' in obj) {
    for (const member of SECRET_MEMBERS) {
      if (member in obj) throw new Error(`user object ${String(obj.username)} has a ${member} member`);
    }
  }
  Object.values(obj).forEach(expectNoSecrets);
}

export const ok = (result: unknown, id: unknown = 1) => JSON.stringify({ jsonrpc: '2.0', result, id });
export const err = (error: unknown, id: unknown = 1) => JSON.stringify({ jsonrpc: '2.0', error, id });

export const invalidParams = (...errors: { instancePath: string; keyword: string; message: string }[]) => ({
  code: -32602,
  message: 'Invalid params',
  data: { reason: 'invalid_params', errors },
});
export const notFound = (resource: string, id?: number) => ({
  code: -32001,
  message: 'Not found',
  data: id === undefined ? { reason: 'not_found', resource } : { reason: 'not_found', resource, id },
});
export const alreadyExists = (resource: string, field: string) => ({
  code: -32002,
  message: 'Already exists',
  data: { reason: 'already_exists', resource, field },
});

/** One call with id 1; returns the raw response text (after checking HTTP 200 and the secret rule). */
export async function rawCall(t: TestApp, endpoint: Endpoint, method: string, params?: unknown, id: unknown = 1): Promise<string> {
  const body: Record<string, unknown> = { jsonrpc: '2.0', method, id };
  if (params !== undefined) body.params = params;
  const res = await t.call(endpoint, body);
  expect(res.status).toBe(200);
  expectNoSecrets(JSON.parse(res.text));
  return res.text;
}

/** Expects the same successful result at both endpoints. */
export async function expectBoth(t: TestApp, method: string, params: unknown, result: unknown): Promise<void> {
  expect(await rawCall(t, COMPAT, method, params)).toBe(ok(result));
  expect(await rawCall(t, STRICT, method, params)).toBe(ok(result));
}

/** Expects the compat failure value and the strict error object for the same call. */
export async function expectFailure(t: TestApp, method: string, params: unknown, failure: unknown, strictError: unknown): Promise<void> {
  expect(await rawCall(t, COMPAT, method, params)).toBe(ok(failure));
  expect(await rawCall(t, STRICT, method, params)).toBe(err(strictError));
}

/** The user row as stored (all columns), or undefined. */
export async function userRow(t: TestApp, where: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  return t.knex('users').where(where).first();
}

/** Ids of the members of group `admin`, ascending. */
export async function adminGroupMembers(t: TestApp): Promise<number[]> {
  const rows = await t
    .knex('group_has_users')
    .join('groups', 'groups.id', 'group_has_users.group_id')
    .where('groups.name', 'admin')
    .orderBy('group_has_users.user_id')
    .select('group_has_users.user_id');
  return rows.map((r: { user_id: unknown }) => Number(r.user_id));
}
