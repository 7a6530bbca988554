/**
 * What the regression tests compare before and after a refused call: a user's row (without the
 * login bookkeeping), the groups it is a member and a subadmin of, and its app passwords.
 */
import type { World } from './world';

export interface UserState {
  row: Record<string, unknown> | null;
  memberOf: string[];
  subadminOf: string[];
  appPasswords: number;
}

export async function userState(w: World, id: number): Promise<UserState> {
  const knex = w.t.knex;
  const row = ((await knex('users').where({ id }).first()) as Record<string, unknown> | undefined) ?? null;
  if (row) for (const column of ['last_login', 'nb_failed_login', 'lock_expiration_date']) delete row[column];
  const names = async (table: 'group_has_users' | 'group_subadmins') =>
    (await knex(table).join('groups', 'groups.id', `${table}.group_id`).where(`${table}.user_id`, id).orderBy('groups.name').select('groups.name')).map((r: { name: string }) => r.name);
  const passwords = await knex('app_passwords').where({ user_id: id }).count({ n: '*' }).first();
  return { row, memberOf: await names('group_has_users'), subadminOf: await names('group_subadmins'), appPasswords: Number(passwords?.n ?? 0) };
}

/** The usernames in the group `admin`, sorted. */
export async function adminGroupMembers(w: World): Promise<string[]> {
  const rows = await w.t.knex('group_has_users').join('groups', 'groups.id', 'group_has_users.group_id').join('users', 'users.id', 'group_has_users.user_id').where('groups.name', 'admin').orderBy('users.username').select('users.username');
  return rows.map((r: { username: string }) => r.username);
}
