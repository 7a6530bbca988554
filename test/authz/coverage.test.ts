/**
 * The matrix covers every surface completely: each procedure the running app serves at /jsonrpc.php
 * and /rpc, each OCS route and each nmcuser_oidc route has exactly one table row (and a request to
 * send), and no row names something that is not served; every section of the JSON-RPC table is
 * run by its test file. A new procedure or route without a row fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OCS_ROUTES } from '../../src/adapters/ocs/routes';
import { ROUTES as OIDC_ROUTES } from '../../src/adapters/nmcuserOidc/router';
import { startTestApp, type TestApp } from '../helpers/app';
import { JSONRPC_CALLS } from './params.jsonrpc';
import { OCS_CALLS } from './params.ocs';
import { JSONRPC_ROWS, JSONRPC_TABLE } from './table.jsonrpc';
import { OCS_TABLE, ocsKey } from './table.ocs';
import { OIDC_TABLE, oidcKey } from './table.nmcuserOidc';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const sorted = (names: Iterable<string>) => [...names].sort();
const duplicates = (names: readonly string[]) => names.filter((name, i) => names.indexOf(name) !== i);

describe('JSON-RPC', () => {
  const rows = JSONRPC_ROWS.map((row) => row.procedure);

  test('one row per procedure served at both endpoints, and nothing else', () => {
    expect(duplicates(rows)).toEqual([]);
    for (const surface of ['jsonrpc', 'rpc'] as const) {
      expect({ surface, rows: sorted(rows) }).toEqual({ surface, rows: sorted(t.dispatcher.proceduresFor(surface).map((p) => p.name)) });
    }
  });

  test('every row has its params', () => {
    expect(sorted(Object.keys(JSONRPC_CALLS))).toEqual(sorted(rows));
  });

  test('every section of the table is run by its test file', () => {
    for (const section of Object.keys(JSONRPC_TABLE)) {
      const file = path.join(__dirname, `jsonrpc.${section}.test.ts`);
      const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      expect({ section, runs: text.includes(`describeJsonRpcMatrix('${section}')`) }).toEqual({ section, runs: true });
    }
  });
});

describe('OCS', () => {
  const rows = OCS_TABLE.map(ocsKey);

  test('one row per route, with the level the route table declares', () => {
    expect(duplicates(rows)).toEqual([]);
    expect(sorted(rows)).toEqual(sorted(OCS_ROUTES.map(ocsKey)));
    for (const row of OCS_TABLE) {
      const route = OCS_ROUTES.find((r) => ocsKey(r) === ocsKey(row))!;
      expect({ route: ocsKey(row), level: route.level }).toEqual({ route: ocsKey(row), level: row.level });
    }
  });

  test('every row has its request', () => {
    expect(sorted(Object.keys(OCS_CALLS))).toEqual(sorted(rows));
  });

  test('every OCS procedure is reached by a route, but the permission-level probe the router calls itself', () => {
    const routed = new Set(OCS_ROUTES.map((route) => route.procedure));
    expect(sorted(t.dispatcher.proceduresFor('ocs').map((p) => p.name).filter((name) => !routed.has(name)))).toEqual(['ocsCallerLevel']);
  });
});

describe('nmcuser_oidc', () => {
  const rows = OIDC_TABLE.map(oidcKey);

  test('one row per route, and every procedure of the surface is routed', () => {
    expect(duplicates(rows)).toEqual([]);
    expect(sorted(rows)).toEqual(sorted(OIDC_ROUTES.map((route) => oidcKey({ method: route.method, path: route.path.join('/') }))));
    expect(sorted(t.dispatcher.proceduresFor('nmcuser_oidc').map((p) => p.name))).toEqual(sorted(new Set(OIDC_ROUTES.map((route) => route.procedure))));
  });
});

test('every registered procedure is on a surface the matrix covers (or the command line only)', () => {
  const covered = new Set(['jsonrpc', 'rpc', 'ocs', 'nmcuser_oidc'] as const);
  const uncovered = t.dispatcher.procedures.filter((p) => ![...covered].some((surface) => t.dispatcher.proceduresFor(surface).includes(p)));
  expect(uncovered.map((p) => `${p.name} (${(p.surfaces ?? []).join(',')})`).filter((entry) => !entry.endsWith('(cli)'))).toEqual([]);
});
