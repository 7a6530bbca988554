/**
 * Shared expectations for the project adapter tests: the §6.3 project object in wire order (with
 * `last_modified` and `token` taken from the stored row, since the tests check those separately),
 * stored rows and events.
 */
import type { Auth, Endpoint, TestApp } from './app';

export const BASE_URL = 'http://localhost/';

/** The §6.3 `url` member. */
export function projectUrls(id: number, base = BASE_URL, publicToken = ''): Record<string, string> {
  const urls: Record<string, string> = {
    board: `${base}?controller=BoardViewController&action=show&project_id=${id}`,
    list: `${base}?controller=TaskListController&action=show&project_id=${id}`,
  };
  if (publicToken !== '') {
    urls.public_board = `${base}?controller=BoardViewController&action=readonly&token=${publicToken}`;
    urls.rss_feed = `${base}?controller=FeedController&action=project&token=${publicToken}`;
    urls.ical_feed = `${base}?controller=ICalendarController&action=project&token=${publicToken}`;
  }
  return urls;
}

/** The §6.3 project object with the defaults of a new project, members in wire order. */
export function projectObject(id: number, name: string, over: Record<string, unknown> = {}, base = BASE_URL): Record<string, unknown> {
  const object: Record<string, unknown> = {
    id,
    name,
    is_active: true,
    token: '',
    last_modified: 0,
    is_public: false,
    is_private: false,
    description: null,
    identifier: '',
    start_date: '',
    end_date: '',
    owner_id: 0,
    priority_default: 0,
    priority_start: 0,
    priority_end: 3,
    email: null,
    predefined_email_subjects: null,
    per_swimlane_task_limits: false,
    task_limit: 0,
    enable_global_tags: true,
    ...over,
  };
  object.url = projectUrls(id, base, object.is_public === true ? String(object.token) : '');
  return object;
}

/** The stored row of a project (all columns, numbers normalised), or undefined. */
export async function projectRow(t: TestApp, id: number): Promise<Record<string, unknown> | undefined> {
  const row = (await t.knex('projects').where({ id }).first()) as Record<string, unknown> | undefined;
  if (!row) return undefined;
  const numeric = ['id', 'last_modified', 'owner_id', 'priority_default', 'priority_start', 'priority_end', 'task_limit'];
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, numeric.includes(k) ? Number(v) : v]));
}

/** The expected object of a stored project: `over` plus its stored `last_modified` and `token`. */
export async function storedProjectObject(t: TestApp, id: number, name: string, over: Record<string, unknown> = {}, base = BASE_URL) {
  const row = await projectRow(t, id);
  if (!row) throw new Error(`project ${id} is not stored`);
  return projectObject(id, name, { ...over, last_modified: row.last_modified, token: row.token }, base);
}

/** The app's current clock (seconds), as procedures see it. */
export const nowOf = (t: TestApp) => t.services.now();

/** Direct grants of a project as `user_id:role`. */
export async function directGrants(t: TestApp, projectId: number): Promise<string[]> {
  const rows = await t.knex('project_has_users').where({ project_id: projectId }).orderBy('user_id').select('user_id', 'role');
  return rows.map((r: { user_id: unknown; role: string }) => `${Number(r.user_id)}:${r.role}`);
}

/** Number of activity events stored for a project. */
export async function eventCount(t: TestApp, projectId: number): Promise<number> {
  const row = await t.knex('project_activities').where({ project_id: projectId }).count<{ count: unknown }[]>({ count: '*' }).first();
  return Number(row?.count ?? 0);
}

/** Inserts a project row directly (fixtures independent of createProject). */
export async function insertProjectRow(t: TestApp, row: Record<string, unknown>): Promise<number> {
  const [inserted] = await t.knex('projects').insert(row).returning('id');
  return Number((inserted as { id: unknown }).id);
}

/** One call with id 1 as `auth`; returns HTTP status and body text. */
export async function callAs(t: TestApp, endpoint: Endpoint, method: string, params: unknown, auth: Auth): Promise<{ status: number; text: string }> {
  const body: Record<string, unknown> = { jsonrpc: '2.0', method, id: 1 };
  if (params !== undefined) body.params = params;
  const res = await t.call(endpoint, body, auth);
  return { status: res.status, text: res.text };
}

export const COMPAT_FORBIDDEN_BODY = '{"jsonrpc":"2.0","error":{"code":403,"message":"Forbidden"},"id":null}';
export const strictForbidden = (data: Record<string, unknown>) => JSON.stringify({ jsonrpc: '2.0', error: { code: -32003, message: 'Forbidden', data }, id: 1 });

/** Expects the denial at both endpoints: compat HTTP 403, strict -32003 with `data`. */
export async function expectDeniedBoth(t: TestApp, method: string, params: unknown, auth: Auth, data: Record<string, unknown>): Promise<void> {
  expect(await callAs(t, '/jsonrpc.php', method, params, auth)).toEqual({ status: 403, text: COMPAT_FORBIDDEN_BODY });
  expect(await callAs(t, '/rpc', method, params, auth)).toEqual({ status: 200, text: strictForbidden(data) });
}

/** Expects the same successful result at both endpoints for a user-mode caller. */
export async function expectBothAs(t: TestApp, method: string, params: unknown, auth: Auth, result: unknown): Promise<void> {
  const text = JSON.stringify({ jsonrpc: '2.0', result, id: 1 });
  expect(await callAs(t, '/jsonrpc.php', method, params, auth)).toEqual({ status: 200, text });
  expect(await callAs(t, '/rpc', method, params, auth)).toEqual({ status: 200, text });
}
