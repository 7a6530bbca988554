/**
 * Groups and group membership: the §6.2 group shapes (explicit allow-lists), lookups, writes and
 * the admin-group rule (membership of `admin` and the role `app-admin` are one fact).
 */
import type { Knex } from 'knex';
import { USER_COLUMNS, toUserObject, type UserObject } from './users';
import { hasNul, likeContains, toNumber } from './rows';

/** The group that is the same fact as the app-admin role; it can be neither removed nor renamed. */
export const ADMIN_GROUP = 'admin';

/** getGroup, getMemberGroups: members in wire order. */
export interface GroupObject {
  id: number;
  external_id: string;
  name: string;
}

/** getAllGroups, searchGroups: members in wire order. */
export interface GroupWithCount {
  id: number;
  name: string;
  external_id: string;
  nb_users: number;
}

export type GroupMember = { group_id: number; user_id: number } & UserObject;

type Row = Record<string, unknown>;

const GROUP_COLUMNS = ['groups.id', 'groups.external_id', 'groups.name'] as const;

function toGroupObject(row: Row): GroupObject {
  return { id: toNumber(row.id), external_id: row.external_id as string, name: row.name as string };
}

function toGroupWithCount(row: Row): GroupWithCount {
  return { id: toNumber(row.id), name: row.name as string, external_id: row.external_id as string, nb_users: toNumber(row.nb_users) };
}

/** Byte order (Postgres `COLLATE "C"`), ties by id. */
const BY_NAME = 'groups.name COLLATE "C", groups.id';

function selectWithCount(db: Knex): Knex.QueryBuilder {
  return db('groups').select(
    ...GROUP_COLUMNS,
    db.raw('(SELECT count(*) FROM group_has_users m WHERE m.group_id = groups.id) AS nb_users'),
  );
}

export async function groupExists(db: Knex, id: number): Promise<boolean> {
  return (await db('groups').where({ id }).first('id')) !== undefined;
}

export async function findGroupById(db: Knex, id: number): Promise<GroupObject | null> {
  const row = await db('groups').select(GROUP_COLUMNS).where({ id }).first();
  return row ? toGroupObject(row) : null;
}

export async function groupNameTaken(db: Knex, name: string, exceptId?: number): Promise<boolean> {
  const query = db('groups').where({ name }).first('id');
  if (exceptId !== undefined) query.whereNot({ id: exceptId });
  return (await query) !== undefined;
}

export async function insertGroup(db: Knex, group: { name: string; external_id: string; display_name?: string | null }): Promise<number> {
  const [row] = await db('groups').insert({ name: group.name, external_id: group.external_id, display_name: group.display_name ?? null }).returning('id');
  return toNumber(row.id);
}

export interface GroupChanges {
  name?: string;
  external_id?: string;
}

/** Applies changes; returns false when the group does not exist. */
export async function updateGroup(db: Knex, id: number, changes: GroupChanges): Promise<boolean> {
  const count = await db('groups').where({ id }).update(changes);
  return toNumber(count) > 0;
}

/** Deletes a group; its memberships and project grants cascade. Returns false when it does not exist. */
export async function deleteGroup(db: Knex, id: number): Promise<boolean> {
  // `returning` gives the same array on both drivers (knex-pglite answers a bare delete with its raw result).
  const deleted = await db('groups').where({ id }).delete().returning('id');
  return deleted.length > 0;
}

export async function listGroups(db: Knex): Promise<GroupWithCount[]> {
  const rows = await selectWithCount(db).orderByRaw(BY_NAME);
  return rows.map(toGroupWithCount);
}

/** The groups a user belongs to, by name. */
export async function listMemberGroups(db: Knex, userId: number): Promise<GroupObject[]> {
  const rows = await db('groups')
    .join('group_has_users', 'group_has_users.group_id', 'groups.id')
    .where('group_has_users.user_id', userId)
    .select(GROUP_COLUMNS)
    .orderByRaw(BY_NAME);
  return rows.map(toGroupObject);
}

/** The members of a group, by username (byte order), ties by id. */
export async function listGroupMembers(db: Knex, groupId: number): Promise<GroupMember[]> {
  const rows = await db('group_has_users')
    .join('users', 'users.id', 'group_has_users.user_id')
    .where('group_has_users.group_id', groupId)
    .select('group_has_users.group_id', ...USER_COLUMNS.map((c) => `users.${c}`))
    .orderByRaw('users.username COLLATE "C", users.id');
  return rows.map((row: Row) => {
    const user = toUserObject(row);
    return { group_id: toNumber(row.group_id), user_id: user.id, ...user };
  });
}

export async function isMember(db: Knex, groupId: number, userId: number): Promise<boolean> {
  return (await db('group_has_users').where({ group_id: groupId, user_id: userId }).first('group_id')) !== undefined;
}

/** Membership of `admin` and the role app-admin are one fact: joining sets it, leaving drops to app-user. */
async function syncRoleWithAdminGroup(db: Knex, groupId: number, userId: number, member: boolean): Promise<void> {
  const group = await db('groups').where({ id: groupId }).first('name');
  if (group?.name !== ADMIN_GROUP) return;
  await db('users').where({ id: userId }).update({ role: member ? 'app-admin' : 'app-user' });
}

/**
 * Adds a membership; returns false when it already exists. ON CONFLICT lets a concurrent duplicate
 * wait for the first insert and then report "already a member" instead of aborting the transaction.
 */
export async function addMember(db: Knex, groupId: number, userId: number): Promise<boolean> {
  const inserted = await db('group_has_users')
    .insert({ group_id: groupId, user_id: userId })
    .onConflict(['group_id', 'user_id'])
    .ignore()
    .returning('group_id');
  if (inserted.length === 0) return false;
  await syncRoleWithAdminGroup(db, groupId, userId, true);
  return true;
}

/** Removes a membership; returns false when there was none. */
export async function removeMember(db: Knex, groupId: number, userId: number): Promise<boolean> {
  const deleted = await db('group_has_users').where({ group_id: groupId, user_id: userId }).delete().returning('user_id');
  if (deleted.length === 0) return false;
  await syncRoleWithAdminGroup(db, groupId, userId, false);
  return true;
}

export interface GroupSearch {
  query: string;
  afterId: number;
  limit: number;
}

/** One keyset page ordered by id; fetches `limit + 1` rows so the caller knows whether more match. */
export async function searchGroups(db: Knex, search: GroupSearch): Promise<GroupWithCount[]> {
  const query = selectWithCount(db).where('groups.id', '>', search.afterId).orderBy('groups.id').limit(search.limit + 1);
  if (search.query !== '') {
    const pattern = likeContains(search.query);
    query.where((w) => {
      w.whereRaw(`groups.name ILIKE ? ESCAPE '\\'`, [pattern]).orWhereRaw(`groups.external_id ILIKE ? ESCAPE '\\'`, [pattern]);
    });
  }
  return (await query).map(toGroupWithCount);
}

/** A group as the OCS adapter sees it (ocs-provisioning §2.2): display name null unless set. */
export interface NamedGroup {
  id: number;
  name: string;
  displayName: string | null;
}

/** OCS group details (§5.3) before rendering. */
export interface GroupCounts extends NamedGroup {
  userCount: number;
  disabledCount: number;
}

/** §5.4: case-folded byte order, then byte order. */
const BY_FOLDED_NAME = 'lower(groups.name) COLLATE "C", groups.name COLLATE "C"';

/** Exact, case-sensitive name lookup. */
export async function findGroupByName(db: Knex, name: string): Promise<NamedGroup | null> {
  if (hasNul(name)) return null;
  const row = await db('groups').where({ name }).first('id', 'name', 'display_name');
  return row ? { id: toNumber(row.id), name: row.name as string, displayName: row.display_name as string | null } : null;
}

export interface NamedGroupFilter {
  /** Case-insensitive substring of the name or display name; `""` matches all. */
  search: string;
  offset: number;
  limit?: number;
}

/** One page of groups with member counts, in §5.4 order. */
export async function listGroupCounts(db: Knex, filter: NamedGroupFilter): Promise<GroupCounts[]> {
  if (filter.limit === 0 || hasNul(filter.search)) return [];
  const query = db('groups')
    .select(
      'groups.id',
      'groups.name',
      'groups.display_name',
      db.raw('(SELECT count(*) FROM group_has_users m WHERE m.group_id = groups.id) AS user_count'),
      db.raw('(SELECT count(*) FROM group_has_users m JOIN users u ON u.id = m.user_id WHERE m.group_id = groups.id AND NOT u.is_active) AS disabled_count'),
    )
    .orderByRaw(BY_FOLDED_NAME);
  if (filter.search !== '') {
    const pattern = likeContains(filter.search);
    query.where((w) => {
      w.whereRaw(`groups.name ILIKE ? ESCAPE '\\'`, [pattern]).orWhereRaw(`groups.display_name ILIKE ? ESCAPE '\\'`, [pattern]);
    });
  }
  if (filter.offset > 0) query.offset(filter.offset);
  if (filter.limit !== undefined) query.limit(filter.limit);
  return (await query).map((row: Row) => ({
    id: toNumber(row.id),
    name: row.name as string,
    displayName: row.display_name as string | null,
    userCount: toNumber(row.user_count),
    disabledCount: toNumber(row.disabled_count),
  }));
}

/** Sets the display name (null resets it to the name). */
export async function setGroupDisplayName(db: Knex, id: number, displayName: string | null): Promise<void> {
  await db('groups').where({ id }).update({ display_name: displayName });
}

/** Usernames of a group's members, in §5.4 order. */
export async function memberUsernames(db: Knex, groupId: number): Promise<string[]> {
  const rows = await db('group_has_users')
    .join('users', 'users.id', 'group_has_users.user_id')
    .where('group_has_users.group_id', groupId)
    .select('users.username')
    .orderByRaw('lower(users.username) COLLATE "C", users.username COLLATE "C"');
  return rows.map((r: { username: string }) => r.username);
}

/**
 * LDAP group sync: the groups whose `external_id` is one of `externalIds` or whose name is one of
 * `names`, by id. Never the `admin` group (membership of it is the app-admin role, and LDAP groups
 * map to no role).
 */
export async function findGroupsForDirectory(db: Knex, externalIds: readonly string[], names: readonly string[]): Promise<GroupObject[]> {
  const ids = [...new Set(externalIds)].filter((v) => v !== '' && !hasNul(v));
  const wanted = [...new Set(names)].filter((v) => v !== '' && !hasNul(v));
  if (ids.length === 0 && wanted.length === 0) return [];
  const rows = await db('groups')
    .select(...GROUP_COLUMNS)
    .whereNot('groups.name', ADMIN_GROUP)
    .andWhere((w) => {
      if (ids.length > 0) w.orWhereIn('groups.external_id', ids);
      if (wanted.length > 0) w.orWhereIn('groups.name', wanted);
    })
    .orderBy('groups.id');
  return rows.map(toGroupObject);
}
