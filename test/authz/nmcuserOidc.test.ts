/**
 * Authorization matrix, nmcuser_oidc surface: every row of ./table.nmcuserOidc.ts × every column,
 * under the 1.1 prefix. A refusal must be the exact `{"message":…}` body of §4.1 (without
 * `WWW-Authenticate`), and a refused call of a writing route must leave the database unchanged.
 */
import { ROUTES } from '../../src/adapters/nmcuserOidc/router';
import { API_TOKEN } from '../helpers/app';
import { expectMessage, NOT_ADMIN, oidc, UNAUTHENTICATED, type Caller } from '../helpers/nmcuserOidc';
import { COLUMNS, COLUMN_DESCRIPTIONS } from './columns';
import { OIDC_TABLE, oidcKey, type OidcRow } from './table.nmcuserOidc';
import { createWorld, PROVIDER, type Targets, type World } from './world';

/** The request of each row, chosen so that an authorized call succeeds. */
const CALLS: Readonly<Record<string, (x: Targets, w: World) => Promise<{ path: string; json?: object }>>> = {
  'GET nmcusers/{provider}': async () => ({ path: `nmcusers/${PROVIDER}` }),
  'POST nmcusers/{provider}': async (_x, w) => ({ path: `nmcusers/${PROVIDER}`, json: { username: w.unique('authz-oidc-new'), displayname: 'New' } }),
  'GET nmcusers/{provider}/{id}': async (x) => ({ path: `nmcusers/${PROVIDER}/${await x.oidcUser()}` }),
  'PUT nmcusers/{provider}/{id}': async (x) => ({ path: `nmcusers/${PROVIDER}/${await x.oidcUser()}`, json: { displayname: 'Renamed' } }),
  'DELETE nmcusers/{provider}/{id}': async (x) => ({ path: `nmcusers/${PROVIDER}/${await x.oidcUser()}` }),
  'GET token/{provider}/{id}': async (x) => ({ path: `token/${PROVIDER}/${await x.oidcUser()}` }),
};

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

const writes = (row: OidcRow): boolean => {
  const route = ROUTES.find((r) => r.method === row.method && r.path.join('/') === row.path);
  if (!route) throw new Error(`no nmcuser_oidc route ${oidcKey(row)}`);
  return w.t.dispatcher.resolve(route.procedure, false, 'nmcuser_oidc')!.writes;
};

const cases = OIDC_TABLE.flatMap((row) => COLUMNS.map((column) => [oidcKey(row), row.cells[column], column, COLUMN_DESCRIPTIONS[column]] as const));

test.each(cases)('%s → %s for %s (%s)', async (key, cell, column) => {
  const row = OIDC_TABLE.find((r) => oidcKey(r) === key)!;
  const targets = cell === 'ok' && writes(row) ? w.fresh() : w.shared;
  const { path, json } = await CALLS[key](targets, w);
  const auth = w.auth[column];
  const caller: Caller | 'none' = auth === 'app' ? ['jsonrpc', API_TOKEN] : auth;
  const before = cell !== 'ok' && writes(row) ? await w.fingerprint() : null;
  const res = await w.as(column, () => oidc(w.t, row.method, path, { auth: caller, json }));
  if (cell === 'ok') expect({ status: res.status, type: res.headers['content-type'] }).toEqual({ status: 200, type: 'application/json; charset=utf-8' });
  else expectMessage(res, cell === '401' ? 401 : 403, cell === '401' ? UNAUTHENTICATED : NOT_ADMIN);
  expect(res.headers['www-authenticate']).toBeUndefined();
  if (before) expect(await w.fingerprint()).toEqual(before);
});
