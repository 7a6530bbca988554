/**
 * Who may call what: the role hierarchy and the access map of the JSON-RPC contract (§5.2), declared
 * once and enforced by the dispatcher for every procedure on every surface.
 */
import { AppError } from './errors';
import type { AppRole, Principal, ProjectRole } from './procedure';

/** How a project-scoped rule finds its project(s) in the params. */
export type ProjectLookup = 'name' | 'identifier' | 'email';

/**
 * A project-scoped requirement: the caller's role on the project(s) given by the id (or id[]) param
 * `param`, or, with `lookup`, on the lowest-id project matching that param which the caller may see.
 */
export interface ProjectRequirement {
  project: ProjectRole;
  param: string;
  lookup?: ProjectLookup;
}

/**
 * `app`: whether the application token may call it (false = the Me procedures).
 * `user`: the minimum app role of a user-mode caller, or a project requirement (no app-admin bypass).
 */
export type AccessRule = { app: boolean; user: AppRole; passwordLogin?: boolean } | { app: true; user: ProjectRequirement; passwordLogin?: undefined };

const APP_ROLE_RANK: Record<AppRole, number> = { 'app-user': 1, 'app-manager': 2, 'app-admin': 3 };

export function isAppRole(value: string): value is AppRole {
  return Object.prototype.hasOwnProperty.call(APP_ROLE_RANK, value);
}

export function hasAppRole(role: AppRole, minimum: AppRole): boolean {
  return APP_ROLE_RANK[role] >= APP_ROLE_RANK[minimum];
}

const admin: AccessRule = { app: true, user: 'app-admin' };
const manager: AccessRule = { app: true, user: 'app-manager' };
const anyCaller: AccessRule = { app: true, user: 'app-user' };
const meOnly: AccessRule = { app: false, user: 'app-user' };
/**
 * Minting a new credential needs the account's own password (local or LDAP): an app password or a
 * personal token that leaked cannot mint a successor that outlives its revocation.
 */
const meByPassword: AccessRule = { app: false, user: 'app-user', passwordLogin: true };
const projectViewer: AccessRule = { app: true, user: { project: 'project-viewer', param: 'project_id' } };
const projectManager: AccessRule = { app: true, user: { project: 'project-manager', param: 'project_id' } };
/** OCS levels A and S (ocs-provisioning §3.5) and the nmcuser_oidc API: users only, admins only. */
const ocsAdmin: AccessRule = { app: false, user: 'app-admin' };
/** OCS levels B and U: any user; the procedure checks subadmin rights and targets. */
const ocsUser: AccessRule = { app: false, user: 'app-user' };
const viewerByLookup = (lookup: ProjectLookup): AccessRule => ({ app: true, user: { project: 'project-viewer', param: lookup, lookup } });

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
  // Groups and group members
  ['createGroup', admin],
  ['updateGroup', admin],
  ['removeGroup', admin],
  ['getGroup', admin],
  ['getAllGroups', admin],
  ['getMemberGroups', admin],
  ['getGroupMembers', admin],
  ['addGroupMember', admin],
  ['removeGroupMember', admin],
  ['isGroupMember', admin],
  // Search (Roster extensions)
  ['searchUsers', admin],
  ['searchGroups', admin],
  ['searchProjects', admin],
  // Audit log (issue 8)
  ['getAuditLog', admin],
  // Projects
  ['getAllProjects', admin],
  ['createProject', manager],
  ['getProjectById', projectViewer],
  ['getProjectByName', viewerByLookup('name')],
  ['getProjectByIdentifier', viewerByLookup('identifier')],
  ['getProjectByEmail', viewerByLookup('email')],
  ['getProjectActivity', projectViewer],
  ['getProjectActivities', { app: true, user: { project: 'project-viewer', param: 'project_ids' } }],
  ['updateProject', projectManager],
  ['removeProject', projectManager],
  ['enableProject', projectManager],
  ['disableProject', projectManager],
  ['enableProjectPublicAccess', projectManager],
  ['disableProjectPublicAccess', projectManager],
  // Project permissions
  ['getProjectUsers', projectViewer],
  ['getAssignableUsers', projectViewer],
  ['getProjectUserRole', projectViewer],
  ['addProjectUser', projectManager],
  ['addProjectGroup', projectManager],
  ['removeProjectUser', projectManager],
  ['removeProjectGroup', projectManager],
  ['changeProjectUserRole', projectManager],
  ['changeProjectGroupRole', projectManager],
  // Me (user mode only)
  ['getMe', meOnly],
  ['getMyProjectsList', meOnly],
  ['getMyProjects', meOnly],
  ['createMyPrivateProject', meOnly],
  ['createMyAppPassword', meByPassword],
  // App constants
  ['getVersion', anyCaller],
  ['getTimezone', anyCaller],
  ['getApplicationRoles', anyCaller],
  ['getProjectRoles', anyCaller],
  ['getDefaultTaskColor', anyCaller],
  ['getDefaultTaskColors', anyCaller],
  ['getColorList', anyCaller],
  ['rpc.discover', anyCaller],
  // OCS Provisioning (surface `ocs` only)
  ['ocsCallerLevel', ocsUser],
  ['ocsListUsers', ocsUser],
  ['ocsListUserDetails', ocsUser],
  ['ocsCreateUser', ocsUser],
  ['ocsGetUser', ocsUser],
  ['ocsGetCurrentUser', ocsUser],
  ['ocsSetUserEnabled', ocsUser],
  ['ocsDeleteUser', ocsUser],
  ['ocsSendWelcomeEmail', ocsUser],
  ['ocsEditUser', ocsUser],
  ['ocsEditableFields', ocsUser],
  ['ocsGetUserGroups', ocsUser],
  ['ocsAddUserToGroup', ocsUser],
  ['ocsRemoveUserFromGroup', ocsUser],
  ['ocsPromoteSubadmin', ocsAdmin],
  ['ocsDemoteSubadmin', ocsAdmin],
  ['ocsGetSubadminGroups', ocsAdmin],
  ['ocsListGroups', ocsUser],
  ['ocsListGroupDetails', ocsAdmin],
  ['ocsCreateGroup', ocsAdmin],
  ['ocsGetGroupMembers', ocsUser],
  ['ocsGetGroupMemberDetails', ocsUser],
  ['ocsGetGroupSubadmins', ocsAdmin],
  ['ocsEditGroup', ocsAdmin],
  ['ocsDeleteGroup', ocsAdmin],
  ['ocsListApps', ocsAdmin],
  ['ocsGetApp', ocsAdmin],
  ['ocsSetAppEnabled', ocsAdmin],
  // OIDC providers (JSON-RPC) and the nmcuser_oidc adapter (admin, user mode)
  ['createOidcProvider', admin],
  ['getAllOidcProviders', admin],
  ['getOidcProvider', admin],
  ['removeOidcProvider', admin],
  ['oidcListUsers', ocsAdmin],
  ['oidcCreateUser', ocsAdmin],
  ['oidcGetUser', ocsAdmin],
  ['oidcUpdateUser', ocsAdmin],
  ['oidcDeleteUser', ocsAdmin],
  ['oidcMintToken', ocsAdmin],
]);

/**
 * Checks every registered procedure has an access rule; throws at start otherwise, so nothing can
 * run unguarded. (That the map names no unregistered procedure is checked by the test suite.)
 */
export function assertAccessMapCovers(names: readonly string[], map: ReadonlyMap<string, AccessRule> = ACCESS_MAP): void {
  const missing = names.filter((n) => !map.has(n));
  if (missing.length) throw new Error(`Access map has no entry for: ${missing.join(', ')}`);
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
  if (rule.passwordLogin && principal.via !== 'password' && principal.via !== 'ldap_password') {
    throw new AppError('FORBIDDEN', { reason: 'password_login_required' });
  }
}
