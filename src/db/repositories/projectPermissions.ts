/**
 * Project grants (JSON-RPC contract §7.5): direct grants (`project_has_users`), group grants
 * (`project_has_groups`) and the id→name maps built from them. A user's *effective* role (§5.3)
 * lives in projectAccess.ts.
 */
import type { Knex } from 'knex';
import { toNumber } from './rows';

/** id → display name (`name` if non-empty, else `username`); keys are decimal strings. */
export type IdNameMap = Record<string, string>;

/** Snapshot of a user for event data (§9): the columns as stored at the time of the event. */
export interface UserSnapshot {
  id: number;
  username: string;
  name: string | null;
}

export interface GroupSnapshot {
  id: number;
  name: string;
}

const DISPLAY_NAME = `COALESCE(NULLIF(u.name, ''), u.username)`;

/**
 * Users holding a grant on the project, direct or through a group. With `assignableOnly`, only
 * active users and only grants whose role is not project-viewer (custom roles count).
 */
async function grantedUsers(db: Knex, projectId: number, assignableOnly: boolean): Promise<IdNameMap> {
  const roleFilter = assignableOnly ? ` AND role <> 'project-viewer'` : '';
  const groupRoleFilter = assignableOnly ? ` AND pg.role <> 'project-viewer'` : '';
  const activeFilter = assignableOnly ? ' AND u.is_active' : '';
  const result = await db.raw(
    `SELECT u.id, ${DISPLAY_NAME} AS display_name FROM users u
      WHERE u.id IN (
              SELECT user_id FROM project_has_users WHERE project_id = ?${roleFilter}
              UNION
              SELECT gu.user_id FROM project_has_groups pg JOIN group_has_users gu ON gu.group_id = pg.group_id
               WHERE pg.project_id = ?${groupRoleFilter}
            )${activeFilter}
      ORDER BY u.id`,
    [projectId, projectId],
  );
  // Integer-like keys enumerate in ascending numeric order whatever the insertion order (§6.4).
  const map: IdNameMap = {};
  for (const row of result.rows as { id: unknown; display_name: string }[]) map[String(toNumber(row.id))] = row.display_name;
  return map;
}

/** Every user with a direct or group grant of any role, active or not. */
export function projectUsers(db: Knex, projectId: number): Promise<IdNameMap> {
  return grantedUsers(db, projectId, false);
}

/** Active users with at least one non-viewer grant, direct or through a group. */
export function assignableUsers(db: Knex, projectId: number): Promise<IdNameMap> {
  return grantedUsers(db, projectId, true);
}

export async function findUserSnapshot(db: Knex, userId: number): Promise<UserSnapshot | null> {
  const row = await db('users').where({ id: userId }).first('id', 'username', 'name');
  return row ? { id: toNumber(row.id), username: row.username as string, name: row.name as string | null } : null;
}

export async function findGroupSnapshot(db: Knex, groupId: number): Promise<GroupSnapshot | null> {
  const row = await db('groups').where({ id: groupId }).first('id', 'name');
  return row ? { id: toNumber(row.id), name: row.name as string } : null;
}

/** The role of the user's direct grant, or null. Locks the row inside a transaction (FOR UPDATE). */
export async function directUserRole(db: Knex, projectId: number, userId: number): Promise<string | null> {
  const row = await db('project_has_users').where({ project_id: projectId, user_id: userId }).forUpdate().first('role');
  return row ? (row.role as string) : null;
}

/** The role of the group's grant, or null. Locks the row inside a transaction (FOR UPDATE). */
export async function groupRole(db: Knex, projectId: number, groupId: number): Promise<string | null> {
  const row = await db('project_has_groups').where({ project_id: projectId, group_id: groupId }).forUpdate().first('role');
  return row ? (row.role as string) : null;
}

/** Inserts a direct grant; a concurrent duplicate surfaces as 23505 (→ ALREADY_EXISTS project_user). */
export async function insertUserGrant(db: Knex, projectId: number, userId: number, role: string): Promise<void> {
  await db('project_has_users').insert({ project_id: projectId, user_id: userId, role });
}

/** Inserts a group grant; a concurrent duplicate surfaces as 23505 (→ ALREADY_EXISTS project_group). */
export async function insertGroupGrant(db: Knex, projectId: number, groupId: number, role: string): Promise<void> {
  await db('project_has_groups').insert({ project_id: projectId, group_id: groupId, role });
}

/** Deletes a direct grant; returns the removed role, or null when there was none. */
export async function deleteUserGrant(db: Knex, projectId: number, userId: number): Promise<string | null> {
  const rows = await db('project_has_users').where({ project_id: projectId, user_id: userId }).delete().returning('role');
  return rows.length ? (rows[0].role as string) : null;
}

/** Deletes a group grant; returns the removed role, or null when there was none. */
export async function deleteGroupGrant(db: Knex, projectId: number, groupId: number): Promise<string | null> {
  const rows = await db('project_has_groups').where({ project_id: projectId, group_id: groupId }).delete().returning('role');
  return rows.length ? (rows[0].role as string) : null;
}

/** Sets the role of a direct grant; returns whether the grant exists. */
export async function updateUserGrantRole(db: Knex, projectId: number, userId: number, role: string): Promise<boolean> {
  // RETURNING, not the affected count: knex-pglite answers update() with a result object
  return (await db('project_has_users').where({ project_id: projectId, user_id: userId }).update({ role }).returning('role')).length > 0;
}

/** Sets the role of a group grant; returns whether the grant exists. */
export async function updateGroupGrantRole(db: Knex, projectId: number, groupId: number, role: string): Promise<boolean> {
  return (await db('project_has_groups').where({ project_id: projectId, group_id: groupId }).update({ role }).returning('role')).length > 0;
}
