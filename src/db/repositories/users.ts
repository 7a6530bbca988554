/**
 * Users: the Kanboard user object (an explicit allow-list, never `SELECT *`), lookups, writes and
 * the admin-group rule (membership of `admin` and the role `app-admin` are one fact).
 */
import type { Knex } from 'knex';
import type { AppRole } from '../../core/procedure';
import { hotRows, hotStatement } from '../hotRead';
import { likeContains, toNullableNumber, toNumber } from './rows';

/** Columns of the public user object, in wire order. */
export const USER_COLUMNS = [
  'id', 'username', 'is_ldap_user', 'name', 'email', 'google_id', 'github_id', 'notifications_enabled',
  'timezone', 'language', 'disable_login_form', 'twofactor_activated', 'notifications_filter',
  'nb_failed_login', 'lock_expiration_date', 'gitlab_id', 'role', 'is_active', 'avatar_path', 'filter', 'theme',
] as const;

export interface UserObject {
  id: number;
  username: string;
  is_ldap_user: boolean;
  name: string | null;
  email: string | null;
  google_id: string | null;
  github_id: string | null;
  notifications_enabled: boolean;
  timezone: string | null;
  language: string | null;
  disable_login_form: boolean;
  twofactor_activated: boolean;
  notifications_filter: number;
  nb_failed_login: number;
  lock_expiration_date: number;
  gitlab_id: number | null;
  role: AppRole;
  is_active: boolean;
  avatar_path: string | null;
  filter: string | null;
  theme: string;
}

type Row = Record<string, unknown>;

export function toUserObject(row: Row): UserObject {
  return {
    id: toNumber(row.id),
    username: row.username as string,
    is_ldap_user: row.is_ldap_user as boolean,
    name: row.name as string | null,
    email: row.email as string | null,
    google_id: row.google_id as string | null,
    github_id: row.github_id as string | null,
    notifications_enabled: row.notifications_enabled as boolean,
    timezone: row.timezone as string | null,
    language: row.language as string | null,
    disable_login_form: row.disable_login_form as boolean,
    twofactor_activated: row.twofactor_activated as boolean,
    notifications_filter: toNumber(row.notifications_filter),
    nb_failed_login: toNumber(row.nb_failed_login),
    lock_expiration_date: toNumber(row.lock_expiration_date),
    gitlab_id: toNullableNumber(row.gitlab_id),
    role: row.role as AppRole,
    is_active: row.is_active as boolean,
    avatar_path: row.avatar_path as string | null,
    filter: row.filter as string | null,
    theme: row.theme as string,
  };
}

/** Byte order (Postgres `COLLATE "C"`), ties by id. */
const BY_USERNAME = 'users.username COLLATE "C", users.id';

/**
 * The hottest read (getUser), written once (../hotRead.ts). The user comes back as one JSON column:
 * node-postgres builds a parser table and an empty row per column of every result, which for 21
 * columns cost more than the rest of the read.
 */
const USER_BY_ID = hotStatement(
  `SELECT json_build_object(${USER_COLUMNS.map((column) => `'${column}', "${column}"`).join(', ')}) AS "user" FROM "users" WHERE "id" = ?`,
);

export async function findUserById(db: Knex, id: number): Promise<UserObject | null> {
  const [row] = await hotRows<{ user: Row }>(db, USER_BY_ID, [id]);
  return row ? toUserObject(row.user) : null;
}

export async function findUserByUsername(db: Knex, username: string): Promise<UserObject | null> {
  const row = await db('users').select(USER_COLUMNS).where({ username }).first();
  return row ? toUserObject(row) : null;
}

let cursorSerial = 0;

/**
 * Every user in byte order of username (getAllUsers), `pageSize` at a time through one server-side
 * cursor, so neither the driver nor the caller ever holds the whole table. `db` must be a
 * transaction: the cursor reads its snapshot and lives until it ends (a reader that stops early
 * leaves the cursor to the transaction's end).
 */
export async function* allUsersInPages(db: Knex, pageSize: number): AsyncGenerator<UserObject[]> {
  if (!db.isTransaction) throw new Error('allUsersInPages reads through a cursor, which needs a transaction');
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`Invalid page size ${pageSize}`);
  const cursor = `roster_all_users_${(cursorSerial += 1)}`;
  const { sql, bindings } = db('users').select(USER_COLUMNS).orderByRaw(BY_USERNAME).toSQL();
  await db.raw(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, bindings);
  for (;;) {
    const result = await db.raw(`FETCH FORWARD ${pageSize} FROM ${cursor}`);
    const rows = result.rows as Row[];
    if (rows.length > 0) yield rows.map(toUserObject);
    if (rows.length < pageSize) break;
  }
  await db.raw(`CLOSE ${cursor}`);
}

export async function usernameTaken(db: Knex, username: string, exceptId?: number): Promise<boolean> {
  const query = db('users').where({ username }).first('id');
  if (exceptId !== undefined) query.whereNot({ id: exceptId });
  return (await query) !== undefined;
}

export interface NewUser {
  username: string;
  password: string | null;
  name: string | null;
  email: string | null;
  role: AppRole;
  is_ldap_user?: boolean;
  /** OCS creation (ocs-provisioning §6.3); absent = the column defaults. */
  language?: string | null;
  quota?: string;
}

async function adminGroupId(db: Knex): Promise<number> {
  const row = await db('groups').where({ name: 'admin' }).first('id');
  if (!row) throw new Error('The admin group is missing');
  return toNumber(row.id);
}

/** Keeps `admin` membership equal to the app-admin role (§16 of the JSON-RPC contract). */
export async function syncAdminMembership(db: Knex, userId: number, role: AppRole): Promise<void> {
  const groupId = await adminGroupId(db);
  if (role === 'app-admin') {
    await db.raw('INSERT INTO group_has_users (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING', [groupId, userId]);
  } else {
    await db('group_has_users').where({ group_id: groupId, user_id: userId }).delete();
  }
}

export async function insertUser(db: Knex, user: NewUser): Promise<number> {
  const [row] = await db('users')
    .insert({
      username: user.username,
      password: user.password,
      name: user.name,
      email: user.email,
      role: user.role,
      is_ldap_user: user.is_ldap_user ?? false,
      ...(user.language !== undefined ? { language: user.language } : {}),
      ...(user.quota !== undefined ? { quota: user.quota } : {}),
    })
    .returning('id');
  const id = toNumber(row.id);
  if (user.role === 'app-admin') await syncAdminMembership(db, id, user.role);
  return id;
}

export interface UserChanges {
  username?: string;
  name?: string;
  email?: string;
  role?: AppRole;
}

/** Applies changes; returns false when the user does not exist. */
export async function updateUser(db: Knex, id: number, changes: UserChanges): Promise<boolean> {
  const count = await db('users').where({ id }).update(changes);
  if (toNumber(count) === 0) return false;
  if (changes.role) await syncAdminMembership(db, id, changes.role);
  return true;
}

export async function setUserActive(db: Knex, id: number, active: boolean): Promise<boolean> {
  const count = await db('users').where({ id }).update({ is_active: active });
  return toNumber(count) > 0;
}

/** Deactivates the private projects the user owns (disableUser). */
export async function deactivateOwnedPrivateProjects(db: Knex, userId: number): Promise<void> {
  await db('projects').where({ owner_id: userId, is_private: true }).update({ is_active: false });
}

/**
 * Deletes a user as removeUser describes: the private projects it is a direct member of, its
 * ownerships (owner_id = 0), then the user (memberships, grants and app passwords cascade; its
 * activity events keep their author snapshot with creator_id NULL).
 */
export async function deleteUser(db: Knex, id: number): Promise<boolean> {
  const exists = await db('users').where({ id }).first('id');
  if (!exists) return false;
  await db('projects')
    .where({ is_private: true })
    .whereIn('id', db('project_has_users').select('project_id').where({ user_id: id }))
    .delete();
  await db('projects').where({ owner_id: id }).update({ owner_id: 0 });
  await db('users').where({ id }).delete();
  return true;
}

export interface UserSearch {
  query: string;
  role: AppRole | null;
  isActive: boolean | null;
  afterId: number;
  limit: number;
}

/** One keyset page ordered by id; fetches `limit + 1` rows so the caller knows whether more match. */
export async function searchUsers(db: Knex, search: UserSearch): Promise<UserObject[]> {
  const query = db('users').select(USER_COLUMNS).where('id', '>', search.afterId).orderBy('id').limit(search.limit + 1);
  if (search.query !== '') {
    const pattern = likeContains(search.query);
    query.where((w) => {
      w.whereRaw(`username ILIKE ? ESCAPE '\\'`, [pattern])
        .orWhereRaw(`name ILIKE ? ESCAPE '\\'`, [pattern])
        .orWhereRaw(`email ILIKE ? ESCAPE '\\'`, [pattern]);
    });
  }
  if (search.role !== null) query.where({ role: search.role });
  if (search.isActive !== null) query.where({ is_active: search.isActive });
  return (await query).map(toUserObject);
}

/** Whether any user exists (the first start creates the admin when none does). */
export async function hasUsers(db: Knex): Promise<boolean> {
  return (await db('users').select(db.raw('1')).first()) !== undefined;
}
