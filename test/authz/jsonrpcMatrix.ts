/**
 * Runs one section of the JSON-RPC matrix (./table.jsonrpc.ts) against the running app: every row ×
 * every column, each cell at both endpoints (compat first, then strict), with the exact wire answer
 * of a refusal and, for a writing procedure, a check that a refused call changed nothing.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Endpoint } from '../helpers/app';
import { COMPAT_FORBIDDEN, COMPAT_UNAUTHORIZED, STRICT_UNAUTHENTICATED } from '../helpers/protocol';
import { COLUMNS, COLUMN_DESCRIPTIONS, type Column } from './columns';
import { JSONRPC_CALLS } from './params.jsonrpc';
import { JSONRPC_TABLE, type JsonRpcRow, type JsonRpcSection } from './table.jsonrpc';
import { createWorld, type World } from './world';

const ENDPOINTS: readonly Endpoint[] = ['/jsonrpc.php', '/rpc'];
const WWW_AUTHENTICATE = 'Basic realm="JsonRPC"';

/** The strict `data` of a refusal of this row to this column (§5.1, §5.2). */
function denialData(row: JsonRpcRow, column: Column): Record<string, string> {
  if (row.requirement === 'user' && column === 'token') return { reason: 'user_credentials_required' };
  // minting needs the account's password, not an app password (src/core/access.ts meByPassword)
  if (row.procedure === 'createMyAppPassword' && (column === 'appPw' || column === 'oidc')) return { reason: 'password_login_required' };
  return { reason: 'forbidden', required: row.requirement };
}

interface Answer {
  status: number;
  text: string;
  body: { result?: unknown; error?: { code: number; data?: { reason?: string } } };
  headers: Record<string, string>;
}

function expectRefusal(row: JsonRpcRow, column: Column, endpoint: Endpoint, res: Answer): void {
  const cell = row.cells[column];
  const compat = endpoint === '/jsonrpc.php';
  const seen = { status: res.status, text: res.text, wwwAuthenticate: res.headers['www-authenticate'] };
  if (cell === '401') {
    expect(seen).toEqual({ status: 401, text: compat ? COMPAT_UNAUTHORIZED : STRICT_UNAUTHENTICATED, wwwAuthenticate: WWW_AUTHENTICATE });
  } else {
    const strict = JSON.stringify({ jsonrpc: '2.0', error: { code: -32003, message: 'Forbidden', data: denialData(row, column) }, id: 1 });
    expect(seen).toEqual({ status: compat ? 403 : 200, text: compat ? COMPAT_FORBIDDEN : strict, wwwAuthenticate: undefined });
  }
}

function expectAuthorized(row: JsonRpcRow, endpoint: Endpoint, res: Answer, failure: unknown): void {
  const call = JSONRPC_CALLS[row.procedure];
  expect(res.status).toBe(200);
  if (call.precondition) {
    if (endpoint === '/rpc') expect(res.body.error).toEqual({ code: -32005, message: 'Precondition failed', data: { reason: call.precondition } });
    else expect(res.body).toEqual({ jsonrpc: '2.0', result: failure, id: 1 });
    return;
  }
  expect({ error: res.body.error, hasResult: 'result' in res.body }).toEqual({ error: undefined, hasResult: true });
  if (!call.emptyResultOk) expect({ failureValue: isDeepStrictEqual(res.body.result, failure) }).toEqual({ failureValue: false });
}

async function runCell(w: World, row: JsonRpcRow, column: Column): Promise<void> {
  const procedure = w.t.dispatcher.resolve(row.procedure, false, 'rpc');
  if (!procedure) throw new Error(`${row.procedure} is not served at /rpc`);
  const cell = row.cells[column];
  const call = JSONRPC_CALLS[row.procedure];
  for (const endpoint of ENDPOINTS) {
    // a write that should run gets its own targets; everything else acts on the shared ones
    const targets = cell === 'ok' && procedure.writes ? w.fresh() : w.shared;
    const body: Record<string, unknown> = { jsonrpc: '2.0', method: row.procedure, id: 1 };
    if (call.params) body.params = await call.params(targets, w);
    const before = cell !== 'ok' && procedure.writes ? await w.fingerprint() : null;
    const res = (await w.as(column, () => w.t.call(endpoint, body, w.auth[column]))) as unknown as Answer;
    if (cell === 'ok') expectAuthorized(row, endpoint, res, procedure.failure);
    else expectRefusal(row, column, endpoint, res);
    if (before) expect(await w.fingerprint()).toEqual(before);
  }
}

/** Declares the tests of one section: a world of its own, one test per cell. */
export function describeJsonRpcMatrix(section: JsonRpcSection): void {
  let w: World;
  beforeAll(async () => {
    w = await createWorld();
  });
  afterAll(() => w.close());

  const rows: readonly JsonRpcRow[] = JSONRPC_TABLE[section];
  const cases = rows.flatMap((row) => COLUMNS.map((column) => [row.procedure, row.cells[column], column, COLUMN_DESCRIPTIONS[column]] as const));
  test.each(cases)('%s → %s for %s (%s)', async (name, _cell, column) => {
    await runCell(w, rows.find((r) => r.procedure === name)!, column);
  });
}
