/**
 * What the Kanboard import reads: the rows of the six tables converted to Roster's values, and the
 * problems found on the way (read.ts fills them, write.ts writes them).
 */
import type { ProjectObject } from '../../db/repositories/projects';
import type { UserObject } from '../../db/repositories/users';
import type { KanboardTable } from './source';

export interface Problem {
  severity: 'error' | 'warning';
  /** Kanboard table, or `roster` for a conflict with what Roster already holds. */
  table: KanboardTable | 'roster';
  /** The row: `#<id> (<name>)` for users, groups and projects, `(project 3, user 5)` for link rows. */
  row: string;
  message: string;
}

export function formatProblem(problem: Problem): string {
  return `${problem.severity}: ${problem.table} ${problem.row}: ${problem.message}`;
}

/**
 * A Kanboard user in Roster's user columns (lockout counters start at 0), plus the secrets the wire
 * object never carries.
 */
export type KanboardUser = Omit<UserObject, 'nb_failed_login' | 'lock_expiration_date'> & {
  /** bcrypt hash as Kanboard stored it (`$2y$…`); null when the user has none. */
  password: string | null;
  twofactor_secret: string | null;
  /** SHA-256 hex of Kanboard's personal API token (Roster stores digests only), or null. */
  api_access_token: string | null;
};

export interface KanboardGroup {
  id: number;
  name: string;
  external_id: string;
}

export interface KanboardMembership {
  group_id: number;
  user_id: number;
}

/** A Kanboard project in Roster's project columns; `owner_id` is Kanboard's user id, 0 = none (a dangling id is reported and becomes 0). */
export type KanboardProject = Omit<ProjectObject, 'url'>;

export interface KanboardProjectUser {
  project_id: number;
  user_id: number;
  role: string;
}

export interface KanboardProjectGroup {
  group_id: number;
  project_id: number;
  role: string;
}

export interface KanboardData {
  users: KanboardUser[];
  groups: KanboardGroup[];
  memberships: KanboardMembership[];
  projects: KanboardProject[];
  projectUsers: KanboardProjectUser[];
  projectGroups: KanboardProjectGroup[];
}
