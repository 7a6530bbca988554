/**
 * The params of each JSON-RPC matrix row (named, so both endpoints bind them the same way), chosen
 * so that an authorized call succeeds: a result that is not the procedure's failure value. Targets
 * come from ./world.ts — fresh ones when the call writes and is expected to run.
 */
import type { Targets, World } from './world';

export interface JsonRpcCall {
  params?: (x: Targets, w: World) => Promise<Record<string, unknown>>;
  /** The success may equal the failure value (an empty list for a caller without projects). */
  emptyResultOk?: true;
  /**
   * Authorized, then refused by a missing dependency (strict `-32005` with this reason, compat the
   * failure value): LDAP is not configured in the matrix app, so createLdapUser reaches this step.
   */
  precondition?: string;
}

const none: JsonRpcCall = {};
const userId = { params: async (x: Targets) => ({ user_id: (await x.user()).id }) };
const projectId = { params: async (x: Targets) => ({ project_id: (await x.project()).id }) };

export const JSONRPC_CALLS: Readonly<Record<string, JsonRpcCall>> = {
  // users
  createUser: { params: async (_x, w) => ({ username: w.unique('authz-new'), password: 'password1' }) },
  createLdapUser: { params: async (_x, w) => ({ username: w.unique('authz-ldap') }), precondition: 'ldap_not_configured' },
  getUser: userId,
  getUserByName: { params: async (x) => ({ username: (await x.user()).username }) },
  getAllUsers: none,
  updateUser: { params: async (x) => ({ id: (await x.user()).id, name: 'Renamed' }) },
  removeUser: userId,
  disableUser: userId,
  enableUser: userId,
  isActiveUser: userId,
  searchUsers: { params: async () => ({ query: 'authz' }) },
  createOidcProvider: { params: async (_x, w) => ({ identifier: w.unique('authz-idp') }) },
  getAllOidcProviders: none,
  getOidcProvider: { params: async (x) => ({ provider_id: await x.provider() }) },
  removeOidcProvider: { params: async (x) => ({ provider_id: await x.provider() }) },
  getAuditLog: { params: async () => ({ limit: 10 }) },
  // groups and members
  createGroup: { params: async (_x, w) => ({ name: w.unique('authz-new-group') }) },
  updateGroup: { params: async (x, w) => ({ group_id: (await x.group()).id, name: w.unique('authz-renamed') }) },
  removeGroup: { params: async (x) => ({ group_id: (await x.group()).id }) },
  getGroup: { params: async (x) => ({ group_id: (await x.group()).id }) },
  getAllGroups: none,
  searchGroups: { params: async () => ({ query: 'authz' }) },
  getMemberGroups: userId,
  getGroupMembers: { params: async (x) => ({ group_id: (await x.group()).id }) },
  addGroupMember: { params: async (x, w) => ({ group_id: (await x.group()).id, user_id: w.spareUser.id }) },
  removeGroupMember: { params: async (x) => ({ group_id: (await x.group()).id, user_id: (await x.user()).id }) },
  isGroupMember: { params: async (x) => ({ group_id: (await x.group()).id, user_id: (await x.user()).id }) },
  // projects
  createProject: { params: async (_x, w) => ({ name: w.unique('authz-new-project') }) },
  getAllProjects: none,
  searchProjects: { params: async () => ({ query: 'authz' }) },
  getProjectById: projectId,
  getProjectByName: { params: async (x) => ({ name: (await x.project()).name }) },
  getProjectByIdentifier: { params: async (x) => ({ identifier: (await x.project()).identifier.toLowerCase() }) },
  getProjectByEmail: { params: async (x) => ({ email: (await x.project()).email }) },
  getProjectActivity: projectId,
  getProjectActivities: { params: async (x) => ({ project_ids: [(await x.project()).id] }) },
  getProjectUsers: projectId,
  getAssignableUsers: { params: async (x) => ({ project_id: (await x.project()).id, prepend_unassigned: true }) },
  getProjectUserRole: { params: async (x) => ({ project_id: (await x.project()).id, user_id: (await x.user()).id }) },
  updateProject: { params: async (x) => ({ project_id: (await x.project()).id, description: 'changed' }) },
  removeProject: projectId,
  enableProject: projectId,
  disableProject: projectId,
  enableProjectPublicAccess: projectId,
  disableProjectPublicAccess: projectId,
  addProjectUser: { params: async (x, w) => ({ project_id: (await x.project()).id, user_id: w.spareUser.id, role: 'project-viewer' }) },
  addProjectGroup: { params: async (x, w) => ({ project_id: (await x.project()).id, group_id: w.spareGroup.id }) },
  removeProjectUser: { params: async (x) => ({ project_id: (await x.project()).id, user_id: (await x.user()).id }) },
  removeProjectGroup: { params: async (x) => ({ project_id: (await x.project()).id, group_id: (await x.group()).id }) },
  changeProjectUserRole: { params: async (x) => ({ project_id: (await x.project()).id, user_id: (await x.user()).id, role: 'project-viewer' }) },
  changeProjectGroupRole: { params: async (x) => ({ project_id: (await x.project()).id, group_id: (await x.group()).id, role: 'project-viewer' }) },
  // me and constants
  getMe: none,
  getMyProjectsList: { emptyResultOk: true },
  getMyProjects: { emptyResultOk: true },
  createMyPrivateProject: { params: async (_x, w) => ({ name: w.unique('authz-mine') }) },
  createMyAppPassword: { params: async () => ({ name: 'authz-matrix' }) },
  getVersion: none,
  getTimezone: none,
  getApplicationRoles: none,
  getProjectRoles: none,
  getDefaultTaskColor: none,
  getDefaultTaskColors: none,
  getColorList: none,
  'rpc.discover': none,
};
