/**
 * The authorization matrix of the OCS Provisioning surface: every route × every column of
 * ./columns.ts, as ocs-provisioning §2.3, §3.3, §3.5 and §6–§8 say it must be. Written out, not
 * derived from the route table: ./ocs.test.ts checks every cell against the running app (v2, JSON).
 *
 * The target `{userid}` is an app-user in `team` and `crew` (subadmin of `crew`); subT is subadmin
 * of `team`, `crew` and `pool`, subO of `other` only. `{groupid}` is `team` for reads and a group of
 * its own for writes; `{appid}` is `ldap`. OCS knows no app-manager and no project roles, and the
 * application token identifies no user: the project columns, mgr and oidc are plain users here.
 *
 * Cells (statuscodes as on the wire; v2 HTTP status per §4.3):
 *   ok    authorized: the endpoint runs (statuscode 200, or the answer ./params.ocs.ts names)
 *   997   authentication refused (HTTP 401): `Current user is not logged in` without credentials,
 *         `Unauthorised` with `WWW-Authenticate` for wrong, locked, disabled and the app token
 *   lvl   the route's permission level is not met (§3.5): 403 with the level's message
 *   403 998 101 104 105
 *         refused by the endpoint's own checks: the target or group is not the caller's to manage
 *         (the codes of §6.4–§7.5: e.g. 998 "not found" for an inaccessible user, 104 for a group
 *         the caller does not administer, 105 for a group outside a subadmin's rights on create)
 */
import { parseCells, type Column } from './columns';

export const OCS_CELLS = ['ok', '997', 'lvl', '403', '998', '101', '104', '105'] as const;
export type OcsCell = (typeof OCS_CELLS)[number];
export type OcsLevel = 'A' | 'S' | 'B' | 'U';

export interface OcsRow {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The route path after `/cloud/`, as the spec writes it (placeholders as in the route table). */
  path: string;
  level: OcsLevel;
  cells: Record<Column, OcsCell>;
}

export const ocsKey = (row: Pick<OcsRow, 'method' | 'path'>): string => `${row.method} ${row.path}`;

const row = (method: OcsRow['method'], path: string, level: OcsLevel, cells: string): OcsRow => ({
  method,
  path,
  level,
  cells: parseCells(`${method} ${path}`, cells, OCS_CELLS),
});

export const OCS_TABLE: readonly OcsRow[] = [
  //                                                     anon  wrong lock  dis   user  mgr   admin view  memb  pmgr  nonm  subT  subO  appPw oidc  token
  row('GET',    'users',                           'B', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   ok    ok    ok    lvl   997'),
  row('GET',    'users/details',                   'B', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   ok    ok    ok    lvl   997'),
  row('POST',   'users',                           'B', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   ok    105   ok    lvl   997'),
  row('GET',    'users/{userid}',                  'U', '997   997   997   997   998   998   ok    998   998   998   998   ok    998   ok    998   997'),
  row('PUT',    'users/{userid}',                  'U', '997   997   997   997   101   101   ok    101   101   101   101   ok    101   ok    101   997'),
  row('DELETE', 'users/{userid}',                  'B', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   ok    998   ok    lvl   997'),
  row('PUT',    'users/{userid}/disable',          'B', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   ok    998   ok    lvl   997'),
  row('PUT',    'users/{userid}/enable',           'B', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   ok    998   ok    lvl   997'),
  row('GET',    'users/{userid}/groups',           'U', '997   997   997   997   998   998   ok    998   998   998   998   ok    998   ok    998   997'),
  row('POST',   'users/{userid}/groups',           'B', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   ok    104   ok    lvl   997'),
  row('DELETE', 'users/{userid}/groups',           'B', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   ok    104   ok    lvl   997'),
  row('POST',   'users/{userid}/subadmins',        'A', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   lvl   lvl   ok    lvl   997'),
  row('DELETE', 'users/{userid}/subadmins',        'A', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   lvl   lvl   ok    lvl   997'),
  row('GET',    'users/{userid}/subadmins',        'A', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   lvl   lvl   ok    lvl   997'),
  row('POST',   'users/{userid}/welcome',          'B', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   ok    998   ok    lvl   997'),
  row('GET',    'user',                            'U', '997   997   997   997   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    997'),
  row('GET',    'user/fields',                     'U', '997   997   997   997   ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    ok    997'),
  row('GET',    'user/fields/{userid}',            'U', '997   997   997   997   998   998   ok    998   998   998   998   ok    998   ok    998   997'),
  row('GET',    'groups',                          'B', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   ok    ok    ok    lvl   997'),
  row('GET',    'groups/details',                  'S', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   lvl   lvl   ok    lvl   997'),
  row('POST',   'groups',                          'S', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   lvl   lvl   ok    lvl   997'),
  row('GET',    'groups/{groupid}/users/details',  'B', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   ok    998   ok    lvl   997'),
  row('GET',    'groups/{groupid}/users',          'B', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   ok    403   ok    lvl   997'),
  row('GET',    'groups/{groupid}/subadmins',      'S', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   lvl   lvl   ok    lvl   997'),
  row('GET',    'groups/{groupid*}',               'B', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   ok    403   ok    lvl   997'),
  row('PUT',    'groups/{groupid*}',               'S', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   lvl   lvl   ok    lvl   997'),
  row('DELETE', 'groups/{groupid*}',               'S', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   lvl   lvl   ok    lvl   997'),
  row('GET',    'apps',                            'A', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   lvl   lvl   ok    lvl   997'),
  row('GET',    'apps/{appid}',                    'A', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   lvl   lvl   ok    lvl   997'),
  row('POST',   'apps/{appid}',                    'A', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   lvl   lvl   ok    lvl   997'),
  row('DELETE', 'apps/{appid}',                    'A', '997   997   997   997   lvl   lvl   ok    lvl   lvl   lvl   lvl   lvl   lvl   ok    lvl   997'),
];
