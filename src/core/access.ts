/**
 * Who may call what: the role hierarchy and the access map of the JSON-RPC contract (§5.2), declared
 * once and enforced by the dispatcher for every procedure on every surface.
 */
import { AppError } from './errors';
import type { AppRole, Principal, ProjectRole } from './procedure';

/**
 * `app`: whether the application token may call it (false = the Me procedures).
 * `user`: the minimum app role of a user-mode caller, or a project role on the project named by
 * `param` (no app-admin bypass).
 */
export type AccessRule =
  | { app: boolean; user: AppRole }
  | { app: true; user: { project: ProjectRole; param: string } };

const APP_ROLE_RANK: Record<AppRole, number> = { 'app-user': 1, 'app-manager': 2, 'app-admin': 3 };

export function isAppRole(value: string): value is AppRole {
  return Object.prototype.hasOwnProperty.call(APP_ROLE_RANK, value);
}

export function hasAppRole(role: AppRole, minimum: AppRole): boolean {
  return APP_ROLE_RANK[role] >= APP_ROLE_RANK[minimum];
}

const admin: AccessRule = { app: true, user: 'app-admin' };
const anyCaller: AccessRule = { app: true, user: 'app-user' };
const meOnly: AccessRule = { app: false, user: 'app-user' };

/** The access map. Every registered procedure must have exactly one entry (checked at start). */
export const ACCESS_MAP: ReadonlyMap<string, AccessRule> = new Map<string, AccessRule>([
  // Users
  ['createUser', admin],
  ['createLdapUser', admin],
  ['getUser', admin],
  ['getUserByName', admin],
  ['getAllUsers', admin],
  ['updateUser', admin],
  ['removeUser', admin],
  ['disableUser', admin],
  ['enableUser', admin],
  ['isActiveUser', admin],
  ['searchUsers', admin],
  // Me (user mode only)
  ['getMe', meOnly],
  ['createMyAppPassword', meOnly],
  // App constants
  ['getVersion', anyCaller],
  ['getTimezone', anyCaller],
  ['getApplicationRoles', anyCaller],
  ['getProjectRoles', anyCaller],
  ['getDefaultTaskColor', anyCaller],
  ['getDefaultTaskColors', anyCaller],
  ['getColorList', anyCaller],
]);

/** Checks the map covers exactly the registered procedures; throws at start otherwise. */
export function assertAccessMapCovers(names: readonly string[], map: ReadonlyMap<string, AccessRule> = ACCESS_MAP): void {
  const missing = names.filter((n) => !map.has(n));
  const extra = [...map.keys()].filter((n) => !names.includes(n));
  if (missing.length) throw new Error(`Access map has no entry for: ${missing.join(', ')}`);
  if (extra.length) throw new Error(`Access map names unregistered procedures: ${extra.join(', ')}`);
}

/** App-level access (mode, app role, Me rule). Throws FORBIDDEN with the strict `data` details. */
export function checkAppAccess(rule: AccessRule, principal: Principal): void {
  if (principal.kind === 'app') {
    if (!rule.app) throw new AppError('FORBIDDEN', { reason: 'user_credentials_required' });
    return;
  }
  if (typeof rule.user === 'string' && !hasAppRole(principal.user.role, rule.user)) {
    throw new AppError('FORBIDDEN', { required: rule.user });
  }
}
