/**
 * The authorization matrix of the JSON-RPC surface (`/jsonrpc.php` and `/rpc`): every registered
 * procedure × every column of ./columns.ts, as the specs say it must be (kanboard-jsonrpc §4–§5.3,
 * §7.6–§7.7, §8; nmcuser-oidc §9.2 for the OIDC provider procedures). Written out, not derived from
 * the access map: ./jsonrpc.*.test.ts check every cell against the running app at both endpoints.
 *
 * Cells:
 *   ok   authorized: the call runs (./params.jsonrpc.ts gives params that make it succeed)
 *   401  authentication refused: compat HTTP 401 `Unauthorized`, strict HTTP 401 `-32004`; nothing runs
 *   403  access denied: compat HTTP 403 `Forbidden`, strict `-32003` naming the row's requirement
 *        (`user_credentials_required` for the application token on the Me procedures); nothing changes
 *
 * Requirement: the minimum of §5.2 — an app role, a built-in project role on the project named in
 * the params (no app-admin bypass, §5.1), `user` (any user, never the application token: the Me
 * rule) or `any` (any authenticated caller). OCS subadmin rights and project roles give no app role:
 * subT, subO and the project columns are app-users here.
 */
import { parseCells, type Column } from './columns';

export type JsonRpcCell = 'ok' | '401' | '403';
export type Requirement = 'app-admin' | 'app-manager' | 'project-viewer' | 'project-manager' | 'user' | 'any';

export interface JsonRpcRow {
  procedure: string;
  requirement: Requirement;
  cells: Record<Column, JsonRpcCell>;
}

const row = (procedure: string, requirement: Requirement, cells: string): JsonRpcRow => ({
  procedure,
  requirement,
  cells: parseCells(procedure, cells, ['ok', '401', '403'] as const),
});

export const JSONRPC_TABLE = {
  /** Users (§7.1), their search (§8.1), the OIDC providers (nmcuser-oidc §9.2) and the audit log (app-admin). */
  users: [
    //                                                    anon  wrong lock  dis   user  mgr   admin view  memb  pmgr  nonm  subT  subO  appPw oidc  token
    row('createUser',                 'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('createLdapUser',             'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('getUser',                    'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('getUserByName',              'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('getAllUsers',                'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('updateUser',                 'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('removeUser',                 'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('disableUser',                'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('enableUser',                 'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('isActiveUser',               'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('searchUsers',                'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('createOidcProvider',         'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('getAllOidcProviders',        'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('getOidcProvider',            'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('removeOidcProvider',         'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('getAuditLog',                'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
  ],
  /** Groups (§7.2), group members (§7.3) and their search (§8.1). */
  groups: [
    //                                                    anon  wrong lock  dis   user  mgr   admin view  memb  pmgr  nonm  subT  subO  appPw oidc  token
    row('createGroup',                'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('updateGroup',                'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('removeGroup',                'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('getGroup',                   'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('getAllGroups',               'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('searchGroups',               'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('getMemberGroups',            'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('getGroupMembers',            'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('addGroupMember',             'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('removeGroupMember',          'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('isGroupMember',              'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
  ],
  /** Projects (§7.4) and the project search (§8.1); project-scoped rows act on a private project. */
  projects: [
    //                                                    anon  wrong lock  dis   user  mgr   admin view  memb  pmgr  nonm  subT  subO  appPw oidc  token
    row('createProject',              'app-manager',     '401   401   401   401   403   ok    ok    403   403   403   403   403   403   ok    403   ok'),
    row('getAllProjects',             'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('searchProjects',             'app-admin',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   ok'),
    row('getProjectById',             'project-viewer',  '401   401   401   401   403   403   403   ok    ok    ok    403   403   403   403   403   ok'),
    row('getProjectByName',           'project-viewer',  '401   401   401   401   403   403   403   ok    ok    ok    403   403   403   403   403   ok'),
    row('getProjectByIdentifier',     'project-viewer',  '401   401   401   401   403   403   403   ok    ok    ok    403   403   403   403   403   ok'),
    row('getProjectByEmail',          'project-viewer',  '401   401   401   401   403   403   403   ok    ok    ok    403   403   403   403   403   ok'),
    row('getProjectActivity',         'project-viewer',  '401   401   401   401   403   403   403   ok    ok    ok    403   403   403   403   403   ok'),
    row('getProjectActivities',       'project-viewer',  '401   401   401   401   403   403   403   ok    ok    ok    403   403   403   403   403   ok'),
    row('updateProject',              'project-manager', '401   401   401   401   403   403   403   403   403   ok    403   403   403   403   403   ok'),
    row('removeProject',              'project-manager', '401   401   401   401   403   403   403   403   403   ok    403   403   403   403   403   ok'),
    row('enableProject',              'project-manager', '401   401   401   401   403   403   403   403   403   ok    403   403   403   403   403   ok'),
    row('disableProject',             'project-manager', '401   401   401   401   403   403   403   403   403   ok    403   403   403   403   403   ok'),
    row('enableProjectPublicAccess',  'project-manager', '401   401   401   401   403   403   403   403   403   ok    403   403   403   403   403   ok'),
    row('disableProjectPublicAccess', 'project-manager', '401   401   401   401   403   403   403   403   403   ok    403   403   403   403   403   ok'),
  ],
  /** Project permissions (§7.5), on the same private project. */
  permissions: [
    //                                                    anon  wrong lock  dis   user  mgr   admin view  memb  pmgr  nonm  subT  subO  appPw oidc  token
    row('getProjectUsers',            'project-viewer',  '401   401   401   401   403   403   403   ok    ok    ok    403   403   403   403   403   ok'),
    row('getAssignableUsers',         'project-viewer',  '401   401   401   401   403   403   403   ok    ok    ok    403   403   403   403   403   ok'),
    row('getProjectUserRole',         'project-viewer',  '401   401   401   401   403   403   403   ok    ok    ok    403   403   403   403   403   ok'),
    row('addProjectUser',             'project-manager', '401   401   401   401   403   403   403   403   403   ok    403   403   403   403   403   ok'),
    row('addProjectGroup',            'project-manager', '401   401   401   401   403   403   403   403   403   ok    403   403   403   403   403   ok'),
    row('removeProjectUser',          'project-manager', '401   401   401   401   403   403   403   403   403   ok    403   403   403   403   403   ok'),
    row('removeProjectGroup',         'project-manager', '401   401   401   401   403   403   403   403   403   ok    403   403   403   403   403   ok'),
    row('changeProjectUserRole',      'project-manager', '401   401   401   401   403   403   403   403   403   ok    403   403   403   403   403   ok'),
    row('changeProjectGroupRole',     'project-manager', '401   401   401   401   403   403   403   403   403   ok    403   403   403   403   403   ok'),
  ],
  /** Me (§7.6, user mode only), app constants (§7.7) and rpc.discover (§8.2). */
  self: [
    //                                                    anon  wrong lock  dis   user  mgr   admin view  memb  pmgr  nonm  subT  subO  appPw oidc  token
    row('getMe',                      'user',            '401   401   401   401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    403'),
    row('getMyProjectsList',          'user',            '401   401   401   401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    403'),
    row('getMyProjects',              'user',            '401   401   401   401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    403'),
    row('createMyPrivateProject',     'user',            '401   401   401   401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    403'),
    row('createMyAppPassword',        'user',            '401   401   401   401   ok    ok    ok    ok    ok    ok    ok    ok    ok    403   403   403'),
    row('getVersion',                 'any',             '401   401   401   401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok'),
    row('getTimezone',                'any',             '401   401   401   401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok'),
    row('getApplicationRoles',        'any',             '401   401   401   401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok'),
    row('getProjectRoles',            'any',             '401   401   401   401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok'),
    row('getDefaultTaskColor',        'any',             '401   401   401   401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok'),
    row('getDefaultTaskColors',       'any',             '401   401   401   401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok'),
    row('getColorList',               'any',             '401   401   401   401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok'),
    row('rpc.discover',               'any',             '401   401   401   401   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok'),
  ],
} as const;

export type JsonRpcSection = keyof typeof JSONRPC_TABLE;
export const JSONRPC_ROWS: readonly JsonRpcRow[] = Object.values(JSONRPC_TABLE).flat();
