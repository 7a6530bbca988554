/**
 * Projects: the Kanboard project object (an explicit allow-list, never `SELECT *`), lookups,
 * listings, keyset search and writes. Project objects carry `url`, built from APPLICATION_URL.
 */
import type { Knex } from 'knex';
import { likeContains, toNumber } from './rows';

/** Columns of the public project object, in wire order (`url` follows them). */
export const PROJECT_COLUMNS = [
  'id', 'name', 'is_active', 'token', 'last_modified', 'is_public', 'is_private', 'description', 'identifier',
  'start_date', 'end_date', 'owner_id', 'priority_default', 'priority_start', 'priority_end', 'email',
  'predefined_email_subjects', 'per_swimlane_task_limits', 'task_limit', 'enable_global_tags',
] as const;

export interface ProjectUrls {
  board: string;
  list: string;
  public_board?: string;
  rss_feed?: string;
  ical_feed?: string;
}

export interface ProjectObject {
  id: number;
  name: string;
  is_active: boolean;
  token: string;
  last_modified: number;
  is_public: boolean;
  is_private: boolean;
  description: string | null;
  identifier: string;
  start_date: string;
  end_date: string;
  owner_id: number;
  priority_default: number;
  priority_start: number;
  priority_end: number;
  email: string | null;
  predefined_email_subjects: string | null;
  per_swimlane_task_limits: boolean;
  task_limit: number;
  enable_global_tags: boolean;
  url: ProjectUrls;
}

type Row = Record<string, unknown>;

function urlsOf(baseUrl: string, id: number, isPublic: boolean, token: string): ProjectUrls {
  const urls: ProjectUrls = {
    board: `${baseUrl}?controller=BoardViewController&action=show&project_id=${id}`,
    list: `${baseUrl}?controller=TaskListController&action=show&project_id=${id}`,
  };
  if (isPublic && token !== '') {
    urls.public_board = `${baseUrl}?controller=BoardViewController&action=readonly&token=${token}`;
    urls.rss_feed = `${baseUrl}?controller=FeedController&action=project&token=${token}`;
    urls.ical_feed = `${baseUrl}?controller=ICalendarController&action=project&token=${token}`;
  }
  return urls;
}

export function toProjectObject(row: Row, baseUrl: string): ProjectObject {
  const id = toNumber(row.id);
  const token = row.token as string;
  const isPublic = row.is_public as boolean;
  return {
    id,
    name: row.name as string,
    is_active: row.is_active as boolean,
    token,
    last_modified: toNumber(row.last_modified),
    is_public: isPublic,
    is_private: row.is_private as boolean,
    description: row.description as string | null,
    identifier: row.identifier as string,
    start_date: row.start_date as string,
    end_date: row.end_date as string,
    owner_id: toNumber(row.owner_id),
    priority_default: toNumber(row.priority_default),
    priority_start: toNumber(row.priority_start),
    priority_end: toNumber(row.priority_end),
    email: row.email as string | null,
    predefined_email_subjects: row.predefined_email_subjects as string | null,
    per_swimlane_task_limits: row.per_swimlane_task_limits as boolean,
    task_limit: toNumber(row.task_limit),
    enable_global_tags: row.enable_global_tags as boolean,
    url: urlsOf(baseUrl, id, isPublic, token),
  };
}

/** Byte order (Postgres `COLLATE "C"`), ties by id. */
const BY_NAME = 'projects.name COLLATE "C", projects.id';

export async function projectExists(db: Knex, id: number): Promise<boolean> {
  return (await db('projects').where({ id }).first('id')) !== undefined;
}

/** The ids among `ids` that name no project, in the given order. */
export async function unknownProjectIds(db: Knex, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db('projects').whereIn('id', ids).select('id');
  const known = new Set(rows.map((r: Row) => toNumber(r.id)));
  return ids.filter((id) => !known.has(id));
}

export async function findProjectById(db: Knex, id: number, baseUrl: string): Promise<ProjectObject | null> {
  const row = await db('projects').select(PROJECT_COLUMNS).where({ id }).first();
  return row ? toProjectObject(row, baseUrl) : null;
}

/** Every project (private and inactive included) by name, then id. */
export async function listProjects(db: Knex, baseUrl: string): Promise<ProjectObject[]> {
  const rows = await db('projects').select(PROJECT_COLUMNS).orderByRaw(BY_NAME);
  return rows.map((r: Row) => toProjectObject(r, baseUrl));
}

/** Ids of the projects on which the user holds a grant of any role, directly or through a group. */
function grantedProjectIds(db: Knex, userId: number): Knex.QueryBuilder {
  return db('project_has_users')
    .select('project_id')
    .where({ user_id: userId })
    .union((u) => {
      u.select('pg.project_id')
        .from('project_has_groups as pg')
        .join('group_has_users as gu', 'gu.group_id', 'pg.group_id')
        .where('gu.user_id', userId);
    });
}

/** Project id → name of every project the user holds a grant on (getMyProjectsList). */
export async function projectNamesOfUser(db: Knex, userId: number): Promise<Record<string, string>> {
  const rows = await db('projects').whereIn('id', grantedProjectIds(db, userId)).orderBy('id').select('id', 'name');
  const names: Record<string, string> = {};
  for (const row of rows) names[String(toNumber(row.id))] = row.name as string;
  return names;
}

/** The active projects the user holds a grant on, by name then id (getMyProjects). */
export async function activeProjectsOfUser(db: Knex, userId: number, baseUrl: string): Promise<ProjectObject[]> {
  const rows = await db('projects')
    .select(PROJECT_COLUMNS)
    .where({ is_active: true })
    .whereIn('id', grantedProjectIds(db, userId))
    .orderByRaw(BY_NAME);
  return rows.map((r: Row) => toProjectObject(r, baseUrl));
}

/** Whether a non-empty identifier (already upper-cased) is used by another project. */
export async function identifierTaken(db: Knex, identifier: string, exceptId?: number): Promise<boolean> {
  if (identifier === '') return false;
  const query = db('projects').where({ identifier }).first('id');
  if (exceptId !== undefined) query.whereNot({ id: exceptId });
  return (await query) !== undefined;
}

/** Whether a non-empty email is used by another project. */
export async function projectEmailTaken(db: Knex, email: string, exceptId?: number): Promise<boolean> {
  if (email === '') return false;
  const query = db('projects').where({ email }).first('id');
  if (exceptId !== undefined) query.whereNot({ id: exceptId });
  return (await query) !== undefined;
}

export interface NewProject {
  name: string;
  description: string | null;
  ownerId: number;
  identifier: string;
  startDate: string;
  endDate: string;
  priorityDefault: number;
  priorityStart: number;
  priorityEnd: number;
  email: string | null;
  isPrivate: boolean;
  now: number;
}

export async function insertProject(db: Knex, project: NewProject): Promise<number> {
  const [row] = await db('projects')
    .insert({
      name: project.name,
      description: project.description,
      owner_id: project.ownerId,
      identifier: project.identifier,
      start_date: project.startDate,
      end_date: project.endDate,
      priority_default: project.priorityDefault,
      priority_start: project.priorityStart,
      priority_end: project.priorityEnd,
      email: project.email,
      is_private: project.isPrivate,
      is_active: true,
      is_public: false,
      token: '',
      last_modified: project.now,
    })
    .returning('id');
  return toNumber(row.id);
}

/** Grants a user a direct role on a project (the owner of a project created in user mode). */
export async function grantProjectUser(db: Knex, projectId: number, userId: number, role: string): Promise<void> {
  await db('project_has_users').insert({ project_id: projectId, user_id: userId, role });
}

/** Columns a procedure may change, with their wire types. */
export interface ProjectChanges {
  name?: string;
  description?: string;
  owner_id?: number;
  identifier?: string;
  start_date?: string;
  end_date?: string;
  priority_default?: number;
  priority_start?: number;
  priority_end?: number;
  email?: string;
  is_active?: boolean;
  is_public?: boolean;
  token?: string;
}

const CHANGEABLE = [
  'name', 'is_active', 'token', 'is_public', 'description', 'identifier', 'start_date', 'end_date', 'owner_id',
  'priority_default', 'priority_start', 'priority_end', 'email',
] as const satisfies readonly (keyof ProjectChanges)[];

const NUMERIC = new Set<string>(['owner_id', 'priority_default', 'priority_start', 'priority_end']);

export type ApplyResult = { found: false } | { found: true; changed: ProjectChanges };

/**
 * Writes the values of `changes` that differ from the stored ones, plus `last_modified = now` when
 * any did. Returns what changed (in column order), or `found: false` for an unknown project.
 */
export async function applyProjectChanges(db: Knex, id: number, changes: ProjectChanges, now: number): Promise<ApplyResult> {
  const current = await db('projects').select(CHANGEABLE).where({ id }).forUpdate().first();
  if (!current) return { found: false };
  const changed: Record<string, unknown> = {};
  for (const column of CHANGEABLE) {
    const next = changes[column];
    if (next === undefined) continue;
    const stored = NUMERIC.has(column) ? toNumber(current[column]) : current[column];
    if (stored !== next) changed[column] = next;
  }
  if (Object.keys(changed).length > 0) await db('projects').where({ id }).update({ ...changed, last_modified: now });
  return { found: true, changed: changed as ProjectChanges };
}

export async function deleteProject(db: Knex, id: number): Promise<boolean> {
  // RETURNING, not the affected count: knex-pglite answers delete() with a result object
  const deleted = await db('projects').where({ id }).delete().returning('id');
  return deleted.length > 0;
}

export interface ProjectSearch {
  query: string;
  isActive: boolean | null;
  afterId: number;
  limit: number;
}

/** One keyset page ordered by id; fetches `limit + 1` rows so the caller knows whether more match. */
export async function searchProjects(db: Knex, search: ProjectSearch, baseUrl: string): Promise<ProjectObject[]> {
  const query = db('projects').select(PROJECT_COLUMNS).where('id', '>', search.afterId).orderBy('id').limit(search.limit + 1);
  if (search.query !== '') {
    const pattern = likeContains(search.query);
    query.where((w) => {
      w.whereRaw(`name ILIKE ? ESCAPE '\\'`, [pattern])
        .orWhereRaw(`identifier ILIKE ? ESCAPE '\\'`, [pattern])
        .orWhereRaw(`email ILIKE ? ESCAPE '\\'`, [pattern]);
    });
  }
  if (search.isActive !== null) query.where({ is_active: search.isActive });
  return (await query).map((r: Row) => toProjectObject(r, baseUrl));
}
