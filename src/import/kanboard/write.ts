/**
 * Writes checked Kanboard data into Roster, inside the caller's transaction. Roster ids differ from
 * Kanboard's: each Kanboard user, group and project is mapped to the Roster row it becomes or
 * matches, and memberships, owners and grants are written through that mapping.
 *
 * Matching (what counts as "already in Roster"):
 * - users by exact username, groups by exact name (Roster's unique keys); Kanboard's group `admin`
 *   is Roster's admin group;
 * - projects by identifier when the Kanboard project has one, otherwise by exact name among the
 *   Roster projects without identifier (several same-named projects pair up in id order).
 *
 * A matched row is left as it is unless `update` is set, in which case it takes Kanboard's values
 * (the Roster admin named ADMIN_USERNAME keeps its app-admin role and stays active). Memberships
 * and grants are merged: missing ones are added; a grant with another role keeps Roster's role
 * unless `update`. Nothing that exists only in Roster is removed. Running the same import twice
 * changes nothing the second time.
 */
import type { Knex } from 'knex';
import type { AppRole } from '../../core/procedure';
import { ADMIN_GROUP } from '../../db/repositories/groups';
import { syncAdminMembership } from '../../db/repositories/users';
import { toNumber } from '../../db/repositories/rows';
import type { KanboardData, KanboardProject, KanboardUser, Problem } from './data';

export interface Counts {
  /** New rows. */
  created: number;
  /** Existing rows changed to Kanboard's values (`update`). */
  updated: number;
  /** Existing rows already equal to Kanboard's. */
  unchanged: number;
  /** Existing rows that differ from Kanboard and were left as they are (no `update`). */
  kept: number;
  /** Kanboard rows not written (see the warnings). */
  skipped: number;
}

export const ENTITIES = ['users', 'groups', 'memberships', 'projects', 'projectUsers', 'projectGroups'] as const;
export type Entity = (typeof ENTITIES)[number];
export type Summary = Record<Entity, Counts>;

export interface WriteOptions {
  /** Overwrite matched rows and grant roles with Kanboard's values. */
  update: boolean;
  /** ADMIN_USERNAME: this Roster user keeps its app-admin role and stays active whatever Kanboard says. */
  adminUsername: string;
  /** Called after each Kanboard row is handled. */
  onRow?: () => void;
}

/** The user columns the import writes (Roster's §10 columns Kanboard also has; lockout state starts at 0). */
const USER_FIELDS = [
  'password', 'is_ldap_user', 'name', 'email', 'google_id', 'github_id', 'notifications_enabled', 'timezone', 'language',
  'disable_login_form', 'twofactor_activated', 'twofactor_secret', 'notifications_filter', 'gitlab_id', 'role', 'is_active',
  'avatar_path', 'api_access_token', 'filter', 'theme',
] as const;
type UserField = (typeof USER_FIELDS)[number];

const PROJECT_FIELDS = [
  'name', 'is_active', 'token', 'last_modified', 'is_public', 'is_private', 'description', 'identifier', 'start_date', 'end_date',
  'owner_id', 'priority_default', 'priority_start', 'priority_end', 'email', 'predefined_email_subjects', 'per_swimlane_task_limits',
  'task_limit', 'enable_global_tags',
] as const;
type ProjectField = (typeof PROJECT_FIELDS)[number];

type Row = Record<string, unknown>;

const emptyCounts = (): Counts => ({ created: 0, updated: 0, unchanged: 0, kept: 0, skipped: 0 });

/** Equality of a Kanboard value and a stored one; node-postgres returns bigint columns as strings. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'string') return a === Number(b);
  if (typeof a === 'string' && typeof b === 'number') return Number(a) === b;
  return (a ?? null) === (b ?? null);
}

/** The fields of `wanted` that differ from `stored`. */
function changes<F extends string>(wanted: Record<F, unknown>, stored: Row, fields: readonly F[]): Partial<Record<F, unknown>> {
  const changed: Partial<Record<F, unknown>> = {};
  for (const field of fields) if (!same(wanted[field], stored[field])) changed[field] = wanted[field];
  return changed;
}

function userValues(user: KanboardUser): Record<UserField, unknown> {
  const values = {} as Record<UserField, unknown>;
  for (const field of USER_FIELDS) values[field] = user[field];
  return values;
}

function projectValues(project: KanboardProject, ownerId: number): Record<ProjectField, unknown> {
  const values = {} as Record<ProjectField, unknown>;
  for (const field of PROJECT_FIELDS) values[field] = project[field];
  values.owner_id = ownerId;
  return values;
}

const userRow = (user: KanboardUser) => `#${user.id} (${user.username})`;
const projectRow = (project: KanboardProject) => `#${project.id} (${project.name})`;

/**
 * Checks the data against what Roster holds (letter-case twins of usernames, project emails in use)
 * and, when nothing is wrong, writes it. Returns the counts and the problems; when a problem is an
 * error nothing has been written.
 */
export async function writeKanboard(trx: Knex, data: KanboardData, options: WriteOptions): Promise<{ summary: Summary; problems: Problem[] }> {
  const summary = Object.fromEntries(ENTITIES.map((e) => [e, emptyCounts()])) as Summary;
  const problems: Problem[] = [];
  const tick = () => options.onRow?.();

  // --- Roster state -----------------------------------------------------------------------------
  const rosterUsers = (await trx('users').select('id', 'username', ...USER_FIELDS).orderBy('id')) as Row[];
  const usersByName = new Map(rosterUsers.map((u) => [u.username as string, u]));
  const usersByFolded = new Map<string, Row[]>();
  for (const u of rosterUsers) {
    const key = (u.username as string).toLowerCase();
    usersByFolded.set(key, [...(usersByFolded.get(key) ?? []), u]);
  }
  const rosterGroups = (await trx('groups').select('id', 'name', 'external_id')) as Row[];
  const groupsByName = new Map(rosterGroups.map((g) => [g.name as string, g]));
  const rosterProjects = (await trx('projects').select('id', ...PROJECT_FIELDS).orderBy('id')) as Row[];

  // --- checks against Roster and the project matches ---------------------------------------------
  for (const user of data.users) {
    if (usersByName.has(user.username)) continue;
    const twin = usersByFolded.get(user.username.toLowerCase())?.[0];
    if (twin) {
      problems.push({
        severity: 'error',
        table: 'users',
        row: userRow(user),
        message: `username differs only in letter case from the Roster user "${String(twin.username)}" (id ${toNumber(twin.id)}); Roster's OCS API treats user ids ignoring case — rename one of them first`,
      });
    }
  }

  const byIdentifier = new Map<string, Row>();
  const byNameWithoutIdentifier = new Map<string, Row[]>();
  for (const p of rosterProjects) {
    if (p.identifier !== '') byIdentifier.set(p.identifier as string, p);
    else byNameWithoutIdentifier.set(p.name as string, [...(byNameWithoutIdentifier.get(p.name as string) ?? []), p]);
  }
  const claimed = new Set<number>();
  const projectMatch = new Map<number, Row | null>();
  for (const project of data.projects) {
    let match: Row | undefined;
    if (project.identifier !== '') match = byIdentifier.get(project.identifier);
    else match = byNameWithoutIdentifier.get(project.name)?.find((p) => !claimed.has(toNumber(p.id)));
    if (match) claimed.add(toNumber(match.id));
    projectMatch.set(project.id, match ?? null);
    const writesEmail = !match || (options.update && !same(project.email, match.email));
    if (project.email && writesEmail) {
      const holder = rosterProjects.find((p) => p.email === project.email && p !== match);
      if (holder) {
        problems.push({
          severity: 'error',
          table: 'projects',
          row: projectRow(project),
          message: `email ${project.email} is already used by the Roster project "${String(holder.name)}" (id ${toNumber(holder.id)}); project emails are unique`,
        });
      }
    }
  }
  if (problems.some((p) => p.severity === 'error')) return { summary, problems };

  // --- users -----------------------------------------------------------------------------------------
  const userIds = new Map<number, number>();
  const finalRole = new Map<number, AppRole>();
  for (const user of data.users) {
    const existing = usersByName.get(user.username);
    const values = userValues(user);
    if (!existing) {
      const [row] = await trx('users').insert({ username: user.username, ...values }).returning('id');
      const id = toNumber(row.id);
      if (user.role === 'app-admin') await syncAdminMembership(trx, id, 'app-admin');
      userIds.set(user.id, id);
      finalRole.set(id, user.role);
      summary.users.created += 1;
      tick();
      continue;
    }
    const id = toNumber(existing.id);
    userIds.set(user.id, id);
    const isRosterAdmin = user.username === options.adminUsername;
    const fields = isRosterAdmin ? USER_FIELDS.filter((f) => f !== 'role' && f !== 'is_active') : USER_FIELDS;
    const changed = changes(values, existing, fields);
    if (Object.keys(changed).length === 0) summary.users.unchanged += 1;
    else if (!options.update) summary.users.kept += 1;
    else {
      await trx('users').where({ id }).update(changed);
      if (changed.role !== undefined) await syncAdminMembership(trx, id, changed.role as AppRole);
      summary.users.updated += 1;
    }
    if (isRosterAdmin && options.update && (user.role !== existing.role || user.is_active !== existing.is_active)) {
      problems.push({
        severity: 'warning',
        table: 'users',
        row: userRow(user),
        message: `is Roster's admin (ADMIN_USERNAME): it keeps its role ${String(existing.role)} and stays ${existing.is_active ? 'active' : 'inactive'} (Kanboard: ${user.role}, ${user.is_active ? 'active' : 'inactive'})`,
      });
    }
    finalRole.set(id, (options.update && changed.role !== undefined ? changed.role : existing.role) as AppRole);
    tick();
  }

  // --- groups ----------------------------------------------------------------------------------------
  const groupIds = new Map<number, number>();
  const adminGroupIds = new Set<number>();
  for (const group of data.groups) {
    const existing = groupsByName.get(group.name);
    let id: number;
    if (!existing) {
      const [row] = await trx('groups').insert({ name: group.name, external_id: group.external_id }).returning('id');
      id = toNumber(row.id);
      summary.groups.created += 1;
    } else {
      id = toNumber(existing.id);
      if (existing.external_id === group.external_id) summary.groups.unchanged += 1;
      else if (!options.update) summary.groups.kept += 1;
      else {
        await trx('groups').where({ id }).update({ external_id: group.external_id });
        summary.groups.updated += 1;
      }
    }
    groupIds.set(group.id, id);
    if (group.name === ADMIN_GROUP) adminGroupIds.add(group.id);
    tick();
  }

  // --- memberships -----------------------------------------------------------------------------------
  for (const membership of data.memberships) {
    const groupId = groupIds.get(membership.group_id)!;
    const userId = userIds.get(membership.user_id)!;
    if (adminGroupIds.has(membership.group_id) && finalRole.get(userId) !== 'app-admin') {
      // membership of `admin` is the app-admin role (contract §16): copying it would promote the user
      const user = data.users.find((u) => u.id === membership.user_id)!;
      problems.push({
        severity: 'warning',
        table: 'group_has_users',
        row: `(group ${membership.group_id}, user ${membership.user_id})`,
        message: `not copied: in Roster, membership of the group "admin" is the app-admin role, and ${user.username} is ${finalRole.get(userId)}`,
      });
      summary.memberships.skipped += 1;
      tick();
      continue;
    }
    const result = await trx.raw('INSERT INTO group_has_users (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING group_id', [groupId, userId]);
    if ((result.rows as unknown[]).length > 0) summary.memberships.created += 1;
    else summary.memberships.unchanged += 1;
    tick();
  }

  // --- projects --------------------------------------------------------------------------------------
  const projectIds = new Map<number, number>();
  for (const project of data.projects) {
    const ownerId = project.owner_id === 0 ? 0 : (userIds.get(project.owner_id) ?? 0);
    if (project.owner_id !== 0 && ownerId === 0) {
      problems.push({ severity: 'warning', table: 'projects', row: projectRow(project), message: `owner #${project.owner_id} was not imported: imported without an owner` });
    }
    const values = projectValues(project, ownerId);
    const existing = projectMatch.get(project.id);
    if (!existing) {
      const [row] = await trx('projects').insert(values).returning('id');
      projectIds.set(project.id, toNumber(row.id));
      summary.projects.created += 1;
      tick();
      continue;
    }
    const id = toNumber(existing.id);
    projectIds.set(project.id, id);
    const changed = changes(values, existing, PROJECT_FIELDS);
    if (Object.keys(changed).length === 0) summary.projects.unchanged += 1;
    else if (!options.update) summary.projects.kept += 1;
    else {
      await trx('projects').where({ id }).update(changed);
      summary.projects.updated += 1;
    }
    tick();
  }

  // --- project permissions -----------------------------------------------------------------------------
  async function grant(counts: Counts, table: 'project_has_users' | 'project_has_groups', key: Record<string, number>, role: string) {
    const existing = await trx(table).where(key).first('role');
    if (!existing) {
      await trx(table).insert({ ...key, role });
      counts.created += 1;
    } else if (existing.role === role) counts.unchanged += 1;
    else if (!options.update) counts.kept += 1;
    else {
      await trx(table).where(key).update({ role });
      counts.updated += 1;
    }
    tick();
  }
  for (const g of data.projectUsers) {
    await grant(summary.projectUsers, 'project_has_users', { project_id: projectIds.get(g.project_id)!, user_id: userIds.get(g.user_id)! }, g.role);
  }
  for (const g of data.projectGroups) {
    await grant(summary.projectGroups, 'project_has_groups', { group_id: groupIds.get(g.group_id)!, project_id: projectIds.get(g.project_id)! }, g.role);
  }

  return { summary, problems };
}

/** How many rows writeKanboard handles (for a progress bar). */
export function rowCount(data: KanboardData): number {
  return data.users.length + data.groups.length + data.memberships.length + data.projects.length + data.projectUsers.length + data.projectGroups.length;
}
