/**
 * Reads the six Kanboard tables and turns their rows into Roster's values, checking each against
 * Roster's rules (JSON-RPC contract §7 shared value rules, §10 column sizes). Everything found is a
 * Problem naming the table and the Kanboard id: an `error` stops the import, a `warning` is reported
 * and the row (or the part of it) is left out as the warning says.
 *
 * Column types differ between Kanboard's drivers (SQLite keeps booleans as 0/1 and may keep old
 * columns such as `is_admin`; Postgres returns bigint as strings), so every value goes through the
 * conversions of rowReader.ts. Columns added by later Kanboard versions are optional and take Kanboard's
 * default when absent; the columns that carry the data Roster needs are required.
 */
import { sha256Hex } from '../../auth/secrets';
import type { AppRole } from '../../core/procedure';
import { isValidEmail } from '../../core/emailFormat';
import { characterCount } from '../../core/text';
import { trimKanboard } from '../../core/coercion';
import { KANBOARD_TABLES, KanboardSourceError, type KanboardSource, type KanboardTable, type SourceRow } from './source';
import type { KanboardData, KanboardGroup, KanboardMembership, KanboardProject, KanboardProjectGroup, KanboardProjectUser, KanboardUser, Problem } from './data';
import { BadValue, RowReader } from './rowReader';

/** Columns without which a table cannot be imported (older Kanboard versions lack some: upgrade Kanboard first). */
const REQUIRED_COLUMNS: Record<KanboardTable, readonly string[]> = {
  users: ['id', 'username', 'password', 'role', 'is_active', 'is_ldap_user', 'name', 'email'],
  groups: ['id', 'name'],
  group_has_users: ['group_id', 'user_id'],
  projects: ['id', 'name', 'is_active', 'is_public', 'is_private'],
  project_has_users: ['project_id', 'user_id', 'role'],
  project_has_groups: ['group_id', 'project_id', 'role'],
};

const APP_ROLES: readonly string[] = ['app-admin', 'app-manager', 'app-user'];
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

function label(id: unknown, name?: unknown): string {
  const n = typeof name === 'string' || typeof name === 'number' ? ` (${String(name)})` : '';
  return `#${String(id)}${n}`;
}

/** R-email for users and projects ("" and null allowed). */
function checkEmail(email: string | null): void {
  if (email !== null && !isValidEmail(email)) throw new BadValue(`email ${JSON.stringify(email)} is not a valid address (Roster's R-email rule)`);
}

/** R-project-role: non-empty, ≤ 191 characters; custom roles are kept as strings. */
function checkProjectRole(role: string | null): string {
  if (role === null || role === '') throw new BadValue('role is empty');
  if (characterCount(role) > 191) throw new BadValue(`role is longer than 191 characters`);
  return role;
}

/** Column sets of the six tables; a missing table or required column is a KanboardSourceError. */
async function tableColumns(source: KanboardSource): Promise<Record<KanboardTable, Set<string>>> {
  const result = {} as Record<KanboardTable, Set<string>>;
  for (const table of KANBOARD_TABLES) {
    const columns = await source.columns(table);
    if (!columns) {
      throw new KanboardSourceError(`${source.description} is not a Kanboard database: the table "${table}" is missing`);
    }
    const missing = REQUIRED_COLUMNS[table].filter((c) => !columns.includes(c));
    if (missing.length > 0) {
      throw new KanboardSourceError(
        `${source.description}: the Kanboard table "${table}" has no column ${missing.map((c) => `"${c}"`).join(', ')}; ` +
          'upgrade Kanboard (at least 1.0.x) and open it once so it migrates its database, then import again',
      );
    }
    result[table] = new Set(columns);
  }
  return result;
}

/**
 * Reads and checks the source. Throws KanboardSourceError when it is not a usable Kanboard database;
 * returns the data with every row-level problem otherwise.
 */
export async function readKanboard(source: KanboardSource): Promise<{ data: KanboardData; problems: Problem[] }> {
  const columns = await tableColumns(source);
  const rows = {} as Record<KanboardTable, SourceRow[]>;
  for (const table of KANBOARD_TABLES) rows[table] = await source.rows(table);
  const problems: Problem[] = [];
  const error = (table: Problem['table'], row: string, message: string) => problems.push({ severity: 'error', table, row, message });
  const warning = (table: Problem['table'], row: string, message: string) => problems.push({ severity: 'warning', table, row, message });

  /** Runs one row's conversion; a BadValue becomes an error and the row is dropped. */
  function convert<T>(table: KanboardTable, row: string, make: () => T): T | null {
    try {
      return make();
    } catch (e) {
      if (!(e instanceof BadValue)) throw e;
      error(table, row, e.message);
      return null;
    }
  }

  // users
  const users: KanboardUser[] = [];
  for (const raw of rows.users) {
    const r = new RowReader(raw, columns.users);
    const row = label(raw.id, raw.username);
    let emptyRole = false;
    const user = convert('users', row, (): KanboardUser => {
      const id = r.integer('id', { min: 1 });
      if (id === null) throw new BadValue('id is missing');
      const username = r.text('username') ?? '';
      if (trimKanboard(username) !== username) throw new BadValue('username has leading or trailing whitespace');
      const length = characterCount(username);
      if (length < 1 || length > 191) throw new BadValue(`username must be 1–191 characters (it has ${length})`);
      let role = r.text('role');
      if (role === '') {
        // Kanboard's createUser API stores role "" (contract §12.1 #6); such a user had no application role there
        emptyRole = true;
        role = 'app-user';
      }
      if (role === null || !APP_ROLES.includes(role)) throw new BadValue(`role ${JSON.stringify(role)} is not app-admin, app-manager or app-user`);
      const email = r.text('email');
      checkEmail(email);
      const password = r.text('password') || null;
      const token = r.text('api_access_token') || null;
      return {
        id,
        username,
        password,
        is_ldap_user: r.boolean('is_ldap_user', false),
        name: r.text('name', 255),
        email,
        google_id: r.text('google_id', 255),
        github_id: r.text('github_id', 30),
        notifications_enabled: r.boolean('notifications_enabled', false),
        timezone: r.text('timezone', 50),
        language: r.text('language', 11),
        disable_login_form: r.boolean('disable_login_form', false),
        twofactor_activated: r.boolean('twofactor_activated', false),
        // Kanboard's Postgres column is char(16): trailing blanks are padding
        twofactor_secret: r.text('twofactor_secret')?.trimEnd() || null,
        notifications_filter: r.integerOr('notifications_filter', 4),
        gitlab_id: r.integer('gitlab_id'),
        role: role as AppRole,
        is_active: r.boolean('is_active', true),
        avatar_path: r.text('avatar_path', 255),
        api_access_token: token === null ? null : sha256Hex(token),
        filter: r.text('filter'),
        theme: r.textOr('theme', 'light'),
      };
    });
    if (!user) continue;
    if (emptyRole) warning('users', row, 'has no role in Kanboard (role ""): imported as app-user');
    if (user.twofactor_secret !== null && characterCount(user.twofactor_secret) > 16) {
      error('users', row, 'twofactor_secret is longer than 16 characters');
      continue;
    }
    if (user.password !== null && !BCRYPT.test(user.password)) {
      warning('users', row, 'the password is not a bcrypt hash: copied as it is, but Roster cannot verify it (the user needs a token or app password)');
    }
    if (user.username === 'jsonrpc') {
      warning('users', row, 'the username "jsonrpc" always means the application token at the JSON-RPC endpoints: this user can log in over OCS only');
    }
    users.push(user);
  }
  // Kanboard's unique index is case-sensitive; OCS resolves user ids ignoring case and refuses such pairs
  const byFolded = new Map<string, KanboardUser[]>();
  for (const user of users) {
    const key = user.username.toLowerCase();
    byFolded.set(key, [...(byFolded.get(key) ?? []), user]);
  }
  for (const same of byFolded.values()) {
    if (same.length < 2) continue;
    for (const user of same.slice(1)) {
      error('users', label(user.id, user.username), `username differs only in letter case from ${label(same[0].id, same[0].username)}; Roster's OCS API treats user ids ignoring case — rename one of them in Kanboard first`);
    }
  }
  const userIds = new Set(users.map((u) => u.id));
  const knownUserIds = new Set(rows.users.map((raw) => Number(raw.id)));

  // groups
  const groups: KanboardGroup[] = [];
  const groupNames = new Map<string, number>();
  for (const raw of rows.groups) {
    const r = new RowReader(raw, columns.groups);
    const row = label(raw.id, raw.name);
    const group = convert('groups', row, (): KanboardGroup => {
      const id = r.integer('id', { min: 1 });
      if (id === null) throw new BadValue('id is missing');
      const name = r.text('name') ?? '';
      if (!/\S/.test(name)) throw new BadValue('name is empty');
      if (characterCount(name) > 191) throw new BadValue(`name is longer than 191 characters (Roster's group name limit)`);
      return { id, name, external_id: r.textOr('external_id', '', 255) };
    });
    if (!group) continue;
    const other = groupNames.get(group.name);
    if (other !== undefined) {
      error('groups', row, `the name is also used by group #${other}; Roster group names are unique`);
      continue;
    }
    groupNames.set(group.name, group.id);
    groups.push(group);
  }
  const groupIds = new Set(groups.map((g) => g.id));
  const knownGroupIds = new Set(rows.groups.map((raw) => Number(raw.id)));

  // projects
  const projects: KanboardProject[] = [];
  const identifiers = new Map<string, number>();
  const projectEmails = new Map<string, number>();
  for (const raw of rows.projects) {
    const r = new RowReader(raw, columns.projects);
    const row = label(raw.id, raw.name);
    const project = convert('projects', row, (): KanboardProject => {
      const id = r.integer('id', { min: 1 });
      if (id === null) throw new BadValue('id is missing');
      const name = r.text('name', 65535) ?? '';
      if (!/\S/.test(name)) throw new BadValue('name is empty');
      const identifier = r.textOr('identifier', '');
      if (!/^[A-Za-z0-9]{0,50}$/.test(identifier)) throw new BadValue(`identifier ${JSON.stringify(identifier)} is not 1–50 ASCII letters or digits`);
      const email = r.text('email');
      checkEmail(email);
      return {
        id,
        name,
        is_active: r.boolean('is_active', true),
        token: r.textOr('token', '', 255),
        last_modified: r.integerOr('last_modified', 0, { min: 0, max: Number.MAX_SAFE_INTEGER }),
        is_public: r.boolean('is_public', false),
        is_private: r.boolean('is_private', false),
        description: r.text('description'),
        identifier: identifier.toUpperCase(),
        start_date: r.textOr('start_date', '', 10),
        end_date: r.textOr('end_date', '', 10),
        owner_id: r.integerOr('owner_id', 0, { min: 0 }),
        priority_default: r.integerOr('priority_default', 0),
        priority_start: r.integerOr('priority_start', 0),
        priority_end: r.integerOr('priority_end', 3),
        email,
        predefined_email_subjects: r.text('predefined_email_subjects'),
        per_swimlane_task_limits: r.boolean('per_swimlane_task_limits', false),
        task_limit: r.integerOr('task_limit', 0),
        enable_global_tags: r.boolean('enable_global_tags', true),
      };
    });
    if (!project) continue;
    if (project.identifier !== '') {
      const other = identifiers.get(project.identifier);
      if (other !== undefined) {
        error('projects', row, `identifier ${project.identifier} is also used by project #${other}; Roster project identifiers are unique`);
        continue;
      }
      identifiers.set(project.identifier, project.id);
    }
    if (project.email) {
      const other = projectEmails.get(project.email);
      if (other !== undefined) {
        error('projects', row, `email ${project.email} is also used by project #${other}; Roster project emails are unique`);
        continue;
      }
      projectEmails.set(project.email, project.id);
    }
    if (project.owner_id !== 0 && !knownUserIds.has(project.owner_id)) {
      // Kanboard keeps the id of a removed owner (contract §12.1 #18)
      warning('projects', row, `owner_id ${project.owner_id} is not a Kanboard user (removed?): imported without an owner`);
      project.owner_id = 0;
    }
    projects.push(project);
  }
  const projectIds = new Set(projects.map((p) => p.id));
  const knownProjectIds = new Set(rows.projects.map((raw) => Number(raw.id)));

  /**
   * A link row whose end is missing from Kanboard is left out with a warning (SQLite does not
   * always enforce foreign keys); one whose end was refused above is left out silently (that end
   * already has its error).
   */
  function linkEnds(table: KanboardTable, row: string, ends: [kind: string, id: number, valid: Set<number>, known: Set<number>][]): boolean {
    for (const [kind, id, valid, known] of ends) {
      if (valid.has(id)) continue;
      if (!known.has(id)) warning(table, row, `${kind} ${id} does not exist in Kanboard: left out`);
      return false;
    }
    return true;
  }

  const memberships: KanboardMembership[] = [];
  for (const raw of rows.group_has_users) {
    const r = new RowReader(raw, columns.group_has_users);
    const row = `(group ${String(raw.group_id)}, user ${String(raw.user_id)})`;
    const m = convert('group_has_users', row, () => ({ group_id: r.integerOr('group_id', 0), user_id: r.integerOr('user_id', 0) }));
    if (!m) continue;
    if (!linkEnds('group_has_users', row, [['group', m.group_id, groupIds, knownGroupIds], ['user', m.user_id, userIds, knownUserIds]])) continue;
    memberships.push(m);
  }

  const projectUsers: KanboardProjectUser[] = [];
  for (const raw of rows.project_has_users) {
    const r = new RowReader(raw, columns.project_has_users);
    const row = `(project ${String(raw.project_id)}, user ${String(raw.user_id)})`;
    const grant = convert('project_has_users', row, () => ({
      project_id: r.integerOr('project_id', 0),
      user_id: r.integerOr('user_id', 0),
      role: checkProjectRole(r.text('role')),
    }));
    if (!grant) continue;
    if (!linkEnds('project_has_users', row, [['project', grant.project_id, projectIds, knownProjectIds], ['user', grant.user_id, userIds, knownUserIds]])) continue;
    projectUsers.push(grant);
  }

  const projectGroups: KanboardProjectGroup[] = [];
  for (const raw of rows.project_has_groups) {
    const r = new RowReader(raw, columns.project_has_groups);
    const row = `(project ${String(raw.project_id)}, group ${String(raw.group_id)})`;
    const grant = convert('project_has_groups', row, () => ({
      group_id: r.integerOr('group_id', 0),
      project_id: r.integerOr('project_id', 0),
      role: checkProjectRole(r.text('role')),
    }));
    if (!grant) continue;
    if (!linkEnds('project_has_groups', row, [['project', grant.project_id, projectIds, knownProjectIds], ['group', grant.group_id, groupIds, knownGroupIds]])) continue;
    projectGroups.push(grant);
  }

  return { data: { users, groups, memberships, projects, projectUsers, projectGroups }, problems };
}
