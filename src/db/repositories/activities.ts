/** Project activity events (JSON-RPC contract §9): stored with author snapshots, read newest first. */
import type { Knex } from 'knex';
import { PROJECT_COLUMNS } from './projects';
import { toNullableNumber, toNumber } from './rows';

export type ProjectEventName =
  | 'project.create'
  | 'project.update'
  | 'project.user.add'
  | 'project.user.remove'
  | 'project.user.role'
  | 'project.group.add'
  | 'project.group.remove'
  | 'project.group.role';

export interface NewProjectEvent {
  projectId: number;
  eventName: ProjectEventName;
  creatorId: number;
  authorUsername: string;
  authorName: string | null;
  data: Record<string, unknown>;
  now: number;
}

export async function insertProjectEvent(db: Knex, event: NewProjectEvent): Promise<void> {
  await db('project_activities').insert({
    date_creation: event.now,
    event_name: event.eventName,
    creator_id: event.creatorId,
    project_id: event.projectId,
    author_username: event.authorUsername,
    author_name: event.authorName,
    data: JSON.stringify(event.data),
  });
}

export interface ProjectEventObject {
  id: number;
  date_creation: number;
  event_name: string;
  creator_id: number | null;
  project_id: number;
  task_id: 0;
  author_username: string;
  author_name: string | null;
  author: string;
  event_title: string;
  data: Record<string, unknown>;
}

const displayName = (name: unknown, username: unknown) => (typeof name === 'string' && name !== '' ? name : String(username ?? ''));

function titleOf(eventName: string, author: string, data: Record<string, unknown>): string {
  const user = displayName(data.name, data.username);
  const group = String(data.group_name ?? '');
  switch (eventName) {
    case 'project.create':
      return `${author} created the project`;
    case 'project.update':
      return `${author} updated the project`;
    case 'project.user.add':
      return `${author} added ${user} as ${String(data.role)}`;
    case 'project.user.remove':
      return `${author} removed ${user}`;
    case 'project.user.role':
      return `${author} changed the role of ${user} to ${String(data.role)}`;
    case 'project.group.add':
      return `${author} added group ${group} as ${String(data.role)}`;
    case 'project.group.remove':
      return `${author} removed group ${group}`;
    case 'project.group.role':
      return `${author} changed the role of group ${group} to ${String(data.role)}`;
    default:
      return `${author} ${eventName}`;
  }
}

/** Member order of `data` per event (§9); jsonb stores keys sorted by length, so order is restored on read. */
const DATA_KEYS: Record<string, readonly string[]> = {
  'project.create': [],
  'project.update': ['changes'],
  'project.user.add': ['user_id', 'username', 'name', 'role'],
  'project.user.remove': ['user_id', 'username', 'name'],
  'project.user.role': ['user_id', 'username', 'name', 'role', 'previous_role'],
  'project.group.add': ['group_id', 'group_name', 'role'],
  'project.group.remove': ['group_id', 'group_name'],
  'project.group.role': ['group_id', 'group_name', 'role', 'previous_role'],
};

function ordered(value: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (Object.prototype.hasOwnProperty.call(value, k)) out[k] = value[k];
  for (const k of Object.keys(value)) if (!Object.prototype.hasOwnProperty.call(out, k)) out[k] = value[k];
  return out;
}

function orderedData(eventName: string, data: Record<string, unknown>): Record<string, unknown> {
  const out = ordered(data, DATA_KEYS[eventName] ?? []);
  const changes = out.changes;
  if (eventName === 'project.update' && changes && typeof changes === 'object' && !Array.isArray(changes)) {
    out.changes = ordered(changes as Record<string, unknown>, PROJECT_COLUMNS); // §6.3 order
  }
  return out;
}

function toEventObject(row: Record<string, unknown>): ProjectEventObject {
  const raw = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>;
  const data = orderedData(row.event_name as string, raw);
  const author = displayName(row.author_name, row.author_username);
  return {
    id: toNumber(row.id),
    date_creation: toNumber(row.date_creation),
    event_name: row.event_name as string,
    creator_id: toNullableNumber(row.creator_id),
    project_id: toNumber(row.project_id),
    task_id: 0,
    author_username: row.author_username as string,
    author_name: row.author_name as string | null,
    author,
    event_title: titleOf(row.event_name as string, author, data),
    data,
  };
}

/** Up to `limit` events of the given projects, newest first. */
export async function listProjectEvents(db: Knex, projectIds: readonly number[], limit = 50): Promise<ProjectEventObject[]> {
  if (projectIds.length === 0) return [];
  const rows = await db('project_activities')
    .whereIn('project_id', projectIds)
    .orderBy('id', 'desc')
    .limit(limit)
    .select('id', 'date_creation', 'event_name', 'creator_id', 'project_id', 'author_username', 'author_name', 'data');
  return rows.map(toEventObject);
}
