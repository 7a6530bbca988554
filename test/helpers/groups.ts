/** Shared expectations for the group adapter tests: §6.2 shapes, stored rows and access denial. */
import type { TestApp } from './app';
import { COMPAT, STRICT, err } from './users';
import { COMPAT_FORBIDDEN } from './protocol';

/** getGroup / getMemberGroups shape, members in wire order. */
export const groupObject = (id: number, name: string, external_id = '') => ({ id, external_id, name });

/** getAllGroups / searchGroups shape, members in wire order. */
export const groupWithCount = (id: number, name: string, nb_users = 0, external_id = '') => ({ id, name, external_id, nb_users });

/** The admin group cannot be removed or renamed (§16). */
export const ADMIN_GROUP_FORBIDDEN = { code: -32003, message: 'Forbidden', data: { reason: 'forbidden' } };

export const MIN_PROPERTIES = { instancePath: '', keyword: 'minProperties', message: 'must NOT have fewer than 2 properties' };

/** Inserts a group directly (fixtures); returns its id. */
export async function insertGroup(t: TestApp, name: string, external_id = ''): Promise<number> {
  const [row] = await t.knex('groups').insert({ name, external_id }).returning('id');
  return Number(row.id);
}

/** The stored group row, or undefined. */
export async function groupRow(t: TestApp, id: number): Promise<{ id: number; name: string; external_id: string } | undefined> {
  const row = await t.knex('groups').where({ id }).first('id', 'name', 'external_id');
  return row && { id: Number(row.id), name: row.name, external_id: row.external_id };
}

/** User ids of a group's members, ascending. */
export async function memberIds(t: TestApp, groupId: number): Promise<number[]> {
  const rows = await t.knex('group_has_users').where({ group_id: groupId }).orderBy('user_id').select('user_id');
  return rows.map((r: { user_id: unknown }) => Number(r.user_id));
}

/** The stored app role of a user. */
export async function roleOf(t: TestApp, userId: number): Promise<string | undefined> {
  return (await t.knex('users').where({ id: userId }).first('role'))?.role;
}

/** A user-mode app-user is denied: compat HTTP 403 (whole response), strict -32003 app-admin. */
export async function expectDenied(t: TestApp, method: string, params: unknown, credentials: readonly [string, string]): Promise<void> {
  const body = { jsonrpc: '2.0', method, params, id: 7 };
  const compat = await t.call(COMPAT, body, credentials);
  expect([compat.status, compat.text]).toEqual([403, COMPAT_FORBIDDEN]);
  const strict = await t.call(STRICT, body, credentials);
  expect([strict.status, strict.text]).toEqual([
    200,
    err({ code: -32003, message: 'Forbidden', data: { reason: 'forbidden', required: 'app-admin' } }, 7),
  ]);
}
