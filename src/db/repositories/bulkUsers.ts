/**
 * Users read and written many at a time, for `roster import` and `roster export`: the same columns
 * and rules as createUser / insertUser (the admin group and the app-admin role are one fact), in a
 * few statements per batch instead of a few per user. Password hashes are read here only to be
 * compared or exported as hashes; they never reach a wire object.
 */
import type { Knex } from 'knex';
import type { AppRole } from '../../core/procedure';
import { ADMIN_GROUP } from './groups';
import { toNumber } from './rows';

/** A user as import compares it with a row and export writes it. */
export interface UserRecord {
  id: number;
  username: string;
  name: string | null;
  email: string | null;
  role: AppRole;
  passwordHash: string | null;
  /** Stored quota text: `none`, `default` or decimal bytes. */
  quota: string;
  isActive: boolean;
  /** Group names in byte order (`admin` included for app-admins). */
  groups: string[];
}

/** A new user of a batch; absent `quota` takes the column default (`default`), as insertUser does. */
export interface BulkNewUser {
  username: string;
  password: string | null;
  name: string | null;
  email: string | null;
  role: AppRole;
  quota?: string;
  isActive: boolean;
}

/** Rows per INSERT: 1,000 users × 7 columns stays far below Postgres' 65,535 parameters. */
const INSERT_CHUNK = 1000;

type Row = Record<string, unknown>;

const RECORD_COLUMNS = ['id', 'username', 'name', 'email', 'role', 'password', 'quota', 'is_active'] as const;

async function withGroups(db: Knex, rows: Row[]): Promise<UserRecord[]> {
  const ids = rows.map((row) => toNumber(row.id));
  const memberships = new Map<number, string[]>(ids.map((id) => [id, []]));
  if (ids.length > 0) {
    const pairs = await db('group_has_users')
      .join('groups', 'groups.id', 'group_has_users.group_id')
      .whereIn('group_has_users.user_id', ids)
      .select('group_has_users.user_id', 'groups.name')
      .orderByRaw('group_has_users.user_id, groups.name COLLATE "C"');
    for (const pair of pairs as Row[]) memberships.get(toNumber(pair.user_id))?.push(pair.name as string);
  }
  return rows.map((row) => ({
    id: toNumber(row.id),
    username: row.username as string,
    name: row.name as string | null,
    email: row.email as string | null,
    role: row.role as AppRole,
    passwordHash: row.password as string | null,
    quota: row.quota as string,
    isActive: row.is_active as boolean,
    groups: memberships.get(toNumber(row.id)) ?? [],
  }));
}

/** The users with these exact (case-sensitive) usernames, by username. */
export async function findUsersByUsernames(db: Knex, usernames: readonly string[]): Promise<Map<string, UserRecord>> {
  const found = new Map<string, UserRecord>();
  for (let i = 0; i < usernames.length; i += INSERT_CHUNK) {
    const rows = await db('users').select(RECORD_COLUMNS).whereIn('username', usernames.slice(i, i + INSERT_CHUNK));
    for (const user of await withGroups(db, rows)) found.set(user.username, user);
  }
  return found;
}

/** One keyset page of users ordered by id, after `afterId`. */
export async function listUserRecords(db: Knex, afterId: number, limit: number): Promise<UserRecord[]> {
  const rows = await db('users').select(RECORD_COLUMNS).where('id', '>', afterId).orderBy('id').limit(limit);
  return withGroups(db, rows);
}

/** Of these group names, the ones that exist. */
export async function existingGroupNames(db: Knex, names: readonly string[]): Promise<Set<string>> {
  const existing = new Set<string>();
  for (let i = 0; i < names.length; i += INSERT_CHUNK) {
    const rows = await db('groups').whereIn('name', names.slice(i, i + INSERT_CHUNK)).select('name');
    for (const row of rows as Row[]) existing.add(row.name as string);
  }
  return existing;
}

/**
 * Creates the groups that do not exist yet (as createGroup does: external id `""`, no display
 * name) and returns the id of every named group plus how many were created.
 */
export async function ensureGroups(db: Knex, names: readonly string[]): Promise<{ ids: Map<string, number>; created: number }> {
  const ids = new Map<string, number>();
  let created = 0;
  for (let i = 0; i < names.length; i += INSERT_CHUNK) {
    const chunk = names.slice(i, i + INSERT_CHUNK);
    const inserted = await db('groups')
      .insert(chunk.map((name) => ({ name, external_id: '', display_name: null })))
      .onConflict('name')
      .ignore()
      .returning('id');
    created += inserted.length;
    const rows = await db('groups').whereIn('name', chunk).select('id', 'name');
    for (const row of rows as Row[]) ids.set(row.name as string, toNumber(row.id));
  }
  return { ids, created };
}

async function adminGroupId(db: Knex): Promise<number> {
  const row = await db('groups').where({ name: ADMIN_GROUP }).first('id');
  if (!row) throw new Error('The admin group is missing');
  return toNumber(row.id);
}

/**
 * Inserts users (the columns insertUser writes, plus `is_active`) and makes every app-admin a
 * member of `admin`. Returns the new ids by username. A username that exists fails the statement
 * (unique violation), so the caller's transaction rolls back.
 */
export async function insertUsers(db: Knex, users: readonly BulkNewUser[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (let i = 0; i < users.length; i += INSERT_CHUNK) {
    const rows = users.slice(i, i + INSERT_CHUNK).map((user) => ({
      username: user.username,
      password: user.password,
      name: user.name,
      email: user.email,
      role: user.role,
      is_ldap_user: false,
      is_active: user.isActive,
      // a missing key is written as DEFAULT by knex's multi-row insert, as insertUser leaves it out
      ...(user.quota !== undefined ? { quota: user.quota } : {}),
    }));
    const inserted = await db('users').insert(rows).returning(['id', 'username']);
    for (const row of inserted as Row[]) ids.set(row.username as string, toNumber(row.id));
  }
  const admins = users.filter((user) => user.role === 'app-admin').map((user) => ids.get(user.username)!);
  if (admins.length > 0) {
    const groupId = await adminGroupId(db);
    await addMemberships(db, admins.map((userId) => ({ groupId, userId })));
  }
  return ids;
}

/**
 * Adds memberships; existing ones stay. Callers leave out `admin`: that membership follows the
 * role (insertUsers, updateUser), so the one-fact rule holds.
 */
export async function addMemberships(db: Knex, pairs: readonly { groupId: number; userId: number }[]): Promise<void> {
  for (let i = 0; i < pairs.length; i += INSERT_CHUNK) {
    const rows = pairs.slice(i, i + INSERT_CHUNK).map((pair) => ({ group_id: pair.groupId, user_id: pair.userId }));
    await db('group_has_users').insert(rows).onConflict(['group_id', 'user_id']).ignore();
  }
}
