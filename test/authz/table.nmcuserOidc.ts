/**
 * The authorization matrix of the nmcuser_oidc surface: every route × every column of
 * ./columns.ts, as nmcuser-oidc §4.1–§4.2 say it must be — admins only, by HTTP Basic; the
 * application token identifies no user. Checked by ./nmcuserOidc.test.ts against the running app.
 *
 * Cells:
 *   ok   authorized: the route runs (HTTP 200)
 *   401  `{"message":"CORS requires basic auth"}`, no `WWW-Authenticate`
 *   403  `{"message":"Logged in account must be an admin"}`
 */
import { parseCells, type Column } from './columns';

export type OidcCell = 'ok' | '401' | '403';

export interface OidcRow {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path after `/apps/nmcuser_oidc/api/1.x/`, placeholders as in the route table. */
  path: string;
  cells: Record<Column, OidcCell>;
}

export const oidcKey = (row: Pick<OidcRow, 'method' | 'path'>): string => `${row.method} ${row.path}`;

const row = (method: OidcRow['method'], path: string, cells: string): OidcRow => ({
  method,
  path,
  cells: parseCells(`${method} ${path}`, cells, ['ok', '401', '403'] as const),
});

export const OIDC_TABLE: readonly OidcRow[] = [
  //                                          anon  wrong lock  dis   user  mgr   admin view  memb  pmgr  nonm  subT  subO  appPw oidc  token
  row('GET',    'nmcusers/{provider}',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   401'),
  row('POST',   'nmcusers/{provider}',       '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   401'),
  row('GET',    'nmcusers/{provider}/{id}',  '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   401'),
  row('PUT',    'nmcusers/{provider}/{id}',  '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   401'),
  row('DELETE', 'nmcusers/{provider}/{id}',  '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   401'),
  row('GET',    'token/{provider}/{id}',     '401   401   401   401   403   403   ok    403   403   403   403   403   403   ok    403   401'),
];
