/**
 * Authorization matrix, OCS Provisioning surface: every row of ./table.ocs.ts × every column, on v2
 * with JSON (the version changes only the meta block and the HTTP status, §4). A refusal must have
 * the statuscode, HTTP status and — for authentication and permission levels — the message of the
 * spec, with empty data; a refused call of a writing route must leave the database unchanged.
 */
import { OCS_ROUTES } from '../../src/adapters/ocs/routes';
import { API_TOKEN, type Auth } from '../helpers/app';
import { ocsRequest, type OcsCaller } from '../helpers/ocs';
import { COLUMNS, COLUMN_DESCRIPTIONS, type Column } from './columns';
import { OCS_CALLS } from './params.ocs';
import { OCS_TABLE, ocsKey, type OcsLevel, type OcsRow } from './table.ocs';
import { createWorld, type World } from './world';

const LEVEL_MESSAGES: Record<Exclude<OcsLevel, 'U'>, string> = {
  A: 'Logged in account must be an admin',
  S: 'Logged in account must be an admin, a sub admin or gotten special right to access this setting',
  B: 'Logged in account must be at least a sub admin',
};

/** §4.3, v2: the HTTP status of a statuscode. */
function httpStatusOf(statuscode: number): number {
  if (statuscode === 200) return 200;
  if (statuscode === 997) return 401;
  if (statuscode === 998) return 404;
  if (statuscode >= 200 && statuscode <= 600) return statuscode;
  return 400;
}

const callerOf = (auth: Auth): OcsCaller => (auth === 'app' ? ['jsonrpc', API_TOKEN] : auth);

interface Seen {
  status: number;
  statuscode: number;
  message?: string;
  data?: unknown;
  wwwAuthenticate?: string;
}

/** What the cell says the answer is; `message` only where the spec fixes it for every route. */
function expected(row: OcsRow, column: Column): Seen {
  const cell = row.cells[column];
  const call = OCS_CALLS[ocsKey(row)];
  if (cell === 'ok') {
    const [statuscode, message] = call.authorized ?? [200, 'OK'];
    return { status: httpStatusOf(statuscode), statuscode, message };
  }
  if (cell === '997') {
    return column === 'anon'
      ? { status: 401, statuscode: 997, message: 'Current user is not logged in', data: [], wwwAuthenticate: undefined }
      : { status: 401, statuscode: 997, message: 'Unauthorised', data: [], wwwAuthenticate: 'Basic realm="Authorisation Required"' };
  }
  if (cell === 'lvl') {
    if (row.level === 'U') throw new Error(`${ocsKey(row)}: level U has no level denial`);
    return { status: 403, statuscode: 403, message: LEVEL_MESSAGES[row.level], data: [] };
  }
  return { status: httpStatusOf(Number(cell)), statuscode: Number(cell), data: [] };
}

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

const writes = (row: OcsRow): boolean => {
  const route = OCS_ROUTES.find((r) => r.method === row.method && r.path === row.path);
  if (!route) throw new Error(`no OCS route ${ocsKey(row)}`);
  return w.t.dispatcher.resolve(route.procedure, false, 'ocs')!.writes;
};

const cases = OCS_TABLE.flatMap((row) => COLUMNS.map((column) => [ocsKey(row), row.cells[column], column, COLUMN_DESCRIPTIONS[column]] as const));

test.each(cases)('%s → %s for %s (%s)', async (key, cell, column) => {
  const row = OCS_TABLE.find((r) => ocsKey(r) === key)!;
  const call = OCS_CALLS[key];
  const targets = cell === 'ok' && writes(row) ? w.fresh() : w.shared;
  const path = `${await call.path(targets, w)}?format=json`;
  const form = call.form ? await call.form(targets, w) : undefined;
  const before = cell !== 'ok' && writes(row) ? await w.fingerprint() : null;
  const res = await w.as(column, () => ocsRequest(w.t, row.method, 2, path, { caller: callerOf(w.auth[column]), form }));
  const meta = (JSON.parse(res.text) as { ocs: { meta: { statuscode: number; message: string }; data: unknown } }).ocs;
  const want = expected(row, column);
  const seen: Seen = { status: res.status, statuscode: meta.meta.statuscode };
  if ('message' in want) seen.message = meta.meta.message;
  if ('data' in want) seen.data = meta.data;
  if ('wwwAuthenticate' in want) seen.wwwAuthenticate = res.headers['www-authenticate'];
  expect(seen).toEqual(want);
  if (before) expect(await w.fingerprint()).toEqual(before);
  if (cell === 'ok') await call.restore?.(w);
});
