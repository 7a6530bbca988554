/**
 * Fixtures for the project permission and project access tests: rows inserted directly (so these
 * tests do not depend on createProject / createGroup), app-password credentials, and snapshots of
 * the grant tables.
 */
import type { Auth, TestApp } from './app';

export async function insertProject(t: TestApp, row: Record<string, unknown> = {}): Promise<number> {
  const [inserted] = await t.knex('projects').insert({ name: 'Project', ...row }).returning('id');
  return Number((inserted as { id: unknown }).id);
}

export async function insertGroup(t: TestApp, name: string, memberIds: readonly number[] = []): Promise<number> {
  const [inserted] = await t.knex('groups').insert({ name }).returning('id');
  const id = Number((inserted as { id: unknown }).id);
  for (const userId of memberIds) await t.knex('group_has_users').insert({ group_id: id, user_id: userId });
  return id;
}

export async function grantUser(t: TestApp, projectId: number, userId: number, role: string): Promise<void> {
  await t.knex('project_has_users').insert({ project_id: projectId, user_id: userId, role });
}

export async function grantGroup(t: TestApp, projectId: number, groupId: number, role: string): Promise<void> {
  await t.knex('project_has_groups').insert({ project_id: projectId, group_id: groupId, role });
}

/** Credentials of a user via a freshly minted app password (no bcrypt per call). */
export async function appPasswordAuth(t: TestApp, username: string, password: string): Promise<Auth> {
  const res = await t.rpc('/rpc', 'createMyAppPassword', { name: 'tests' }, [username, password]);
  const token = (res.result as { token?: string } | undefined)?.token;
  if (typeof token !== 'string') throw new Error(`createMyAppPassword for ${username} failed: ${JSON.stringify(res)}`);
  return [username, token];
}

/** Creates a user (through the API) and returns its id and app-password credentials. */
export async function userWithAuth(t: TestApp, username: string, extra: Record<string, unknown> = {}): Promise<{ id: number; auth: Auth }> {
  const id = await t.createUser(username, 'password1', extra);
  return { id, auth: await appPasswordAuth(t, username, 'password1') };
}

/** Direct grants of a project as `user_id:role`, ordered. */
export async function userGrants(t: TestApp, projectId: number): Promise<string[]> {
  const rows = await t.knex('project_has_users').where({ project_id: projectId }).orderBy('user_id').select('user_id', 'role');
  return rows.map((r: { user_id: unknown; role: string }) => `${Number(r.user_id)}:${r.role}`);
}

/** Group grants of a project as `group_id:role`, ordered. */
export async function groupGrants(t: TestApp, projectId: number): Promise<string[]> {
  const rows = await t.knex('project_has_groups').where({ project_id: projectId }).orderBy('group_id').select('group_id', 'role');
  return rows.map((r: { group_id: unknown; role: string }) => `${Number(r.group_id)}:${r.role}`);
}

export interface StoredEvent {
  event_name: string;
  creator_id: number | null;
  author_username: string;
  data: Record<string, unknown>;
}

/** Events of a project as stored, oldest first. */
export async function projectEvents(t: TestApp, projectId: number): Promise<StoredEvent[]> {
  const rows = await t.knex('project_activities').where({ project_id: projectId }).orderBy('id').select('event_name', 'creator_id', 'author_username', 'data');
  return rows.map((r: Record<string, unknown>) => ({
    event_name: r.event_name as string,
    creator_id: r.creator_id === null ? null : Number(r.creator_id),
    author_username: r.author_username as string,
    data: (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>,
  }));
}

/** Everything a project-scoped call could change about a project, for "nothing ran" checks. */
export async function projectState(t: TestApp, projectId: number): Promise<unknown> {
  return {
    project: (await t.knex('projects').where({ id: projectId }).first()) ?? null,
    users: await userGrants(t, projectId),
    groups: await groupGrants(t, projectId),
    events: await projectEvents(t, projectId),
  };
}
