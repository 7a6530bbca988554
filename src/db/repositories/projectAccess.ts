/**
 * A user's effective role on a project (JSON-RPC contract §5.3): the direct grant if there is one,
 * else the best group grant ranked project-manager > any custom role > project-member >
 * project-viewer, custom roles tied by the lowest group id.
 */
import type { Knex } from 'knex';
import { toNumber } from './rows';

const BUILT_IN_RANK: Record<string, number> = { 'project-viewer': 1, 'project-member': 2, 'project-manager': 3 };

export async function projectRoleOf(db: Knex, projectId: number, userId: number): Promise<string | null> {
  const result = await db.raw(
    `SELECT role FROM (
        SELECT role, 0 AS source, 0 AS rank, 0 AS group_id FROM project_has_users WHERE project_id = ? AND user_id = ?
        UNION ALL
        SELECT pg.role, 1, CASE pg.role WHEN 'project-manager' THEN 0 WHEN 'project-member' THEN 2 WHEN 'project-viewer' THEN 3 ELSE 1 END, pg.group_id
          FROM project_has_groups pg JOIN group_has_users gu ON gu.group_id = pg.group_id
         WHERE pg.project_id = ? AND gu.user_id = ?
      ) grants ORDER BY source, rank, group_id LIMIT 1`,
    [projectId, userId, projectId, userId],
  );
  const row = (result.rows as { role: string }[])[0];
  return row ? row.role : null;
}

/** Whether `role` is a built-in role at or above `minimum` (custom roles grant nothing). */
export function roleSatisfies(role: string | null, minimum: string): boolean {
  return role !== null && (BUILT_IN_RANK[role] ?? 0) >= (BUILT_IN_RANK[minimum] ?? Infinity);
}

export type ProjectLookupColumn = 'name' | 'identifier' | 'email';

/** Ids of the projects a lookup by name (exact), identifier (upper-cased) or email (exact) matches. */
export async function projectIdsMatching(db: Knex, by: ProjectLookupColumn, value: string): Promise<number[]> {
  const needle = by === 'identifier' ? value.replace(/[a-z]/g, (c) => c.toUpperCase()) : value;
  if (needle === '' && by !== 'name') return [];
  const rows = await db('projects').where(by, needle).orderBy('id').select('id');
  return rows.map((r: { id: unknown }) => toNumber(r.id));
}

/** The lowest-id matching project on which the user has at least `minimum`, or null. */
export async function firstVisibleProject(db: Knex, by: ProjectLookupColumn, value: string, userId: number, minimum: string): Promise<number | null> {
  for (const id of await projectIdsMatching(db, by, value)) {
    if (roleSatisfies(await projectRoleOf(db, id, userId), minimum)) return id;
  }
  return null;
}
