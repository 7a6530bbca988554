/**
 * The columns of the authorization matrix: every kind of caller, in the order the table modules
 * write their cells, with what each one is. The principals themselves are created by ./world.ts.
 *
 * Every user column but `admin` and `appPw` is an `app-user` unless its description says otherwise;
 * `wrong`, `lock` and `dis` are app-admins, so that a refusal there can only be authentication.
 */

export const COLUMNS = ['anon', 'wrong', 'lock', 'dis', 'user', 'mgr', 'admin', 'view', 'memb', 'pmgr', 'nonm', 'subT', 'subO', 'appPw', 'oidc', 'token'] as const;
export type Column = (typeof COLUMNS)[number];

export const COLUMN_DESCRIPTIONS: Readonly<Record<Column, string>> = {
  anon: 'anonymous (no credentials)',
  wrong: 'wrong password (an unlocked app-admin)',
  lock: 'locked (an app-admin locked by failed logins, right password)',
  dis: 'disabled (an app-admin, right password)',
  user: 'app-user',
  mgr: 'app-manager',
  admin: 'app-admin',
  view: 'project-viewer of the private project',
  memb: 'project-member of the private project',
  pmgr: 'project-manager of the private project',
  nonm: "non-member (project-manager of another private project)",
  subT: "OCS subadmin of the target's groups",
  subO: 'OCS subadmin of another group',
  appPw: "app password of the app-admin (minted by `roster token create`)",
  oidc: 'app password of an OIDC user (app-user), minted by the nmcuser_oidc token route',
  token: 'application token (jsonrpc:API_TOKEN)',
};

/**
 * Splits one table line into its cells: exactly one per column, each one of `allowed`. Throws at
 * import time, so a malformed line fails every test of its surface.
 */
export function parseCells<V extends string>(row: string, line: string, allowed: readonly V[]): Record<Column, V> {
  const cells = line.trim().split(/\s+/);
  if (cells.length !== COLUMNS.length) throw new Error(`${row}: ${cells.length} cells, expected ${COLUMNS.length}`);
  const out = {} as Record<Column, V>;
  COLUMNS.forEach((column, i) => {
    if (!(allowed as readonly string[]).includes(cells[i])) throw new Error(`${row}: cell ${column} is ${cells[i]}, expected one of ${allowed.join(' ')}`);
    out[column] = cells[i] as V;
  });
  return out;
}
