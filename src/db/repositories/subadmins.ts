/**
 * Subadmins (ocs-provisioning §2.3): the (user, group) pairs, and the "accessible" relation — a
 * target is accessible to a subadmin when it is a member of one of the subadmin's groups and is
 * not an admin.
 */
import type { Knex } from 'knex';
import { toNumber } from './rows';

/** Group-name order of §5.4. */
const BY_FOLDED_GROUP_NAME = 'lower(groups.name) COLLATE "C", groups.name COLLATE "C"';

/** Adds the pair; a no-op when it exists (ON CONFLICT lets concurrent duplicates both succeed). */
export async function addSubadmin(db: Knex, userId: number, groupId: number): Promise<void> {
  await db('group_subadmins').insert({ user_id: userId, group_id: groupId }).onConflict(['user_id', 'group_id']).ignore();
}

/** Removes the pair; false when it did not exist. */
export async function removeSubadmin(db: Knex, userId: number, groupId: number): Promise<boolean> {
  const deleted = await db('group_subadmins').where({ user_id: userId, group_id: groupId }).delete().returning('user_id');
  return deleted.length > 0;
}

export async function isSubadminOf(db: Knex, userId: number, groupId: number): Promise<boolean> {
  return (await db('group_subadmins').where({ user_id: userId, group_id: groupId }).first('user_id')) !== undefined;
}

export async function isAnySubadmin(db: Knex, userId: number): Promise<boolean> {
  return (await db('group_subadmins').where({ user_id: userId }).first('user_id')) !== undefined;
}

/** Ids of the groups the user is subadmin of. */
export async function subadminGroupIds(db: Knex, userId: number): Promise<Set<number>> {
  const rows = await db('group_subadmins').where({ user_id: userId }).select('group_id');
  return new Set(rows.map((r: { group_id: unknown }) => toNumber(r.group_id)));
}

/** Whether `targetId` is a non-admin member of a group that `callerId` is subadmin of. */
export async function isAccessibleToSubadmin(db: Knex, callerId: number, targetId: number): Promise<boolean> {
  const result = await db.raw(
    `SELECT 1 FROM users u
      WHERE u.id = ? AND u.role <> 'app-admin'
        AND EXISTS (SELECT 1 FROM group_has_users m JOIN group_subadmins s ON s.group_id = m.group_id
                     WHERE m.user_id = u.id AND s.user_id = ?)`,
    [targetId, callerId],
  );
  return (result.rows as unknown[]).length > 0;
}

/** Names of the groups each user is subadmin of, sorted (§5.4), for a batch of users. */
export async function subadminGroupNamesByUser(db: Knex, userIds: readonly number[]): Promise<Map<number, string[]>> {
  return namesByUser(db, 'group_subadmins', userIds);
}

/** Names of the groups each user is a member of, sorted (§5.4), for a batch of users. */
export async function memberGroupNamesByUser(db: Knex, userIds: readonly number[]): Promise<Map<number, string[]>> {
  return namesByUser(db, 'group_has_users', userIds);
}

async function namesByUser(db: Knex, table: 'group_subadmins' | 'group_has_users', userIds: readonly number[]): Promise<Map<number, string[]>> {
  const result = new Map<number, string[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return result;
  for (let start = 0; start < userIds.length; start += 5000) {
    const rows = await db(table)
      .join('groups', 'groups.id', `${table}.group_id`)
      .whereIn(`${table}.user_id`, userIds.slice(start, start + 5000))
      .select(`${table}.user_id`, 'groups.name')
      .orderByRaw(BY_FOLDED_GROUP_NAME);
    for (const row of rows as { user_id: unknown; name: string }[]) result.get(toNumber(row.user_id))?.push(row.name);
  }
  return result;
}

/** Usernames of the subadmins of a group, sorted (§5.4). */
export async function subadminUsernamesOf(db: Knex, groupId: number): Promise<string[]> {
  const rows = await db('group_subadmins')
    .join('users', 'users.id', 'group_subadmins.user_id')
    .where('group_subadmins.group_id', groupId)
    .select('users.username')
    .orderByRaw('lower(users.username) COLLATE "C", users.username COLLATE "C"');
  return rows.map((r: { username: string }) => r.username);
}
