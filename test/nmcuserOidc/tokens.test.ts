/** GET /token/{provider}/{id} and the app passwords it mints (nmcuser-oidc §6.6, §8; §11 cases 14, 15). */
import type { TestApp } from '../helpers/app';
import { ocsJson } from '../helpers/ocs';
import { createOidc, expectMessage, expectOk, JSON_TYPE, oidc, sha256Hex, startOidcApp, userView } from '../helpers/nmcuserOidc';

let t: TestApp;
const ID = '120049010000000006612061';
const minted: string[] = [];
beforeAll(async () => {
  // trace: nothing below info may leak the token either
  t = await startOidcApp({ LOG_LEVEL: 'trace' });
  await createOidc(t, { username: ID, displayname: 'User, Test', quota: '25GB', email: 'test@example.org' });
});
afterAll(async () => {
  const logs = t.logs.join('\n');
  for (const token of minted) expect(logs).not.toContain(token);
  await t.close();
});

async function mint(id: string, options: Parameters<typeof oidc>[3] = {}): Promise<{ token: string; requestId: string }> {
  const res = await oidc(t, 'GET', `token/telekom/${encodeURIComponent(id)}`, options);
  expect({ status: res.status, type: res.headers['content-type'], cacheControl: res.headers['cache-control'] }).toEqual({ status: 200, type: JSON_TYPE, cacheControl: 'no-store' });
  const token = (res.body as { token: string }).token;
  expect(res.text).toBe(`{"token":"${token}"}`);
  minted.push(token);
  return { token, requestId: res.headers['x-request-id'] };
}

/** The user as the OCS /cloud/user endpoint and getMe at both JSON-RPC endpoints see it with Basic id:token. */
async function whoAmI(id: string, token: string) {
  const ocs = await ocsJson(t, 'GET', 2, 'user', { caller: [id, token] });
  const rpc = await t.call('/rpc', { jsonrpc: '2.0', method: 'getMe', id: 1 }, [id, token]);
  const compat = await t.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'getMe', id: 1 }, [id, token]);
  return {
    ocs: { status: ocs.status, statuscode: ocs.statuscode, id: (ocs.data as { id?: string } | undefined)?.id },
    rpc: { status: rpc.status, username: rpc.body?.result?.username },
    compat: { status: compat.status, username: compat.body?.result?.username },
  };
}
const accepted = (id: string) => ({ ocs: { status: 200, statuscode: 200, id }, rpc: { status: 200, username: id }, compat: { status: 200, username: id } });

const textOfRows = async (table: string) => (await t.knex.raw(`SELECT t::text AS row FROM ${table} t`)).rows.map((r: { row: string }) => r.row).join('\n');

describe('§11 case 14', () => {
  test('two calls → two different 72-character tokens; both work on OCS /cloud/user and JSON-RPC getMe', async () => {
    const first = await mint(ID);
    const second = await mint(ID);
    for (const { token } of [first, second]) expect(token).toMatch(/^[A-Za-z0-9]{72}$/);
    expect(first.token).not.toBe(second.token);
    for (const { token } of [first, second]) expect(await whoAmI(ID, token)).toEqual(accepted(ID));

    const me = await ocsJson(t, 'GET', 2, 'user', { caller: [ID, first.token] });
    expect(me.data).toMatchObject({ id: ID, backend: 'user_oidc', displayname: 'User, Test', email: 'test@example.org' });
    expect((me.data as { quota: unknown }).quota).toEqual({ free: 26843545600, used: 0, total: 26843545600, relative: 0, quota: 26843545600 });
  });

  test('app_passwords rows: name nmcuser_oidc, created by admin, only the SHA-256 of each token stored', async () => {
    const userId = (await t.knex('users').where({ username: ID }).first('id')).id;
    const rows = await t.knex('app_passwords').where({ user_id: userId }).orderBy('id');
    expect(rows).toHaveLength(2);
    const now = Math.floor(Date.now() / 1000);
    rows.forEach((row: Record<string, unknown>, i: number) => {
      expect(row).toMatchObject({ name: 'nmcuser_oidc', created_by: 'admin', token_hash: sha256Hex(minted[i]), revoked_at: null });
      expect(Math.abs(Number(row.created_at) - now)).toBeLessThan(120);
    });
  });

  test('two audit events: action, actor, target, {provider, app_password_id}, the response\'s X-Request-Id', async () => {
    const events = await t.knex('audit_events').where({ target_username: ID, action: 'nmcuser_oidc.token' }).orderBy('id');
    const passwords = await t.knex('app_passwords').orderBy('id').select('id');
    expect(events).toHaveLength(2);
    events.forEach((event: Record<string, unknown>, i: number) => {
      expect(event).toMatchObject({ action: 'nmcuser_oidc.token', actor_username: 'admin', target_username: ID, details: { provider: 'Telekom', app_password_id: passwords[i].id } });
      expect(event).toMatchObject({ surface: 'nmcuser_oidc', procedure: 'oidcMintToken', route: 'GET /apps/nmcuser_oidc/api/1.1/token/{provider}/{id}', target: `provider=telekom id=${ID}` });
      // besides the mint's own ids: the credential kind and the changed fields (none)
      expect(event.details).toEqual({ provider: 'Telekom', app_password_id: passwords[i].id, credential: 'password', changes: {} });
      expect(typeof event.client_address).toBe('string');
      expect(event.request_id).toMatch(/^[0-9a-f-]{36}$/);
    });
    expect(events[0].request_id).not.toBe(events[1].request_id);
  });

  test('the request id of the audit event is the one of the response (a given X-Request-Id is echoed and stored)', async () => {
    const { token, requestId } = await mint(ID, { headers: { 'X-Request-Id': 'mint-req-42' } });
    expect(requestId).toBe('mint-req-42');
    const event = await t.knex('audit_events').orderBy('id', 'desc').first();
    expect(event).toMatchObject({ request_id: 'mint-req-42', target_username: ID });
    const plain = await mint(ID);
    expect((await t.knex('audit_events').orderBy('id', 'desc').first()).request_id).toBe(plain.requestId);
    expect(await whoAmI(ID, token)).toEqual(accepted(ID));
  });

  test('the token text appears nowhere in the database', async () => {
    const text = [await textOfRows('app_passwords'), await textOfRows('audit_events'), await textOfRows('users'), await textOfRows('settings')].join('\n');
    expect(text).toContain(sha256Hex(minted[0]));
    for (const token of minted) expect(text).not.toContain(token);
  });

  test('the caller is recorded: another admin mints', async () => {
    await t.createUser('admin2', 'admin2-secret-1', { role: 'app-admin' });
    const { token } = await mint(ID, { auth: ['admin2', 'admin2-secret-1'] });
    expect(await t.knex('app_passwords').where({ token_hash: sha256Hex(token) }).first('created_by')).toEqual({ created_by: 'admin2' });
    expect((await t.knex('audit_events').orderBy('id', 'desc').first()).actor_username).toBe('admin2');
  });
});

describe('what a token can do (§8)', () => {
  test('it authenticates only as its user, and is not an admin here', async () => {
    const token = minted[0];
    const wrongUser = await ocsJson(t, 'GET', 2, 'user', { caller: ['admin', token] });
    expect({ status: wrongUser.status, statuscode: wrongUser.statuscode }).toEqual({ status: 401, statuscode: 997 });
    expectMessage(await oidc(t, 'GET', 'nmcusers/telekom', { auth: [ID, token] }), 403, 'Logged in account must be an admin');
    expectMessage(await oidc(t, 'GET', 'nmcusers/telekom', { auth: [ID, token.slice(0, 71)] }), 401, 'CORS requires basic auth');
  });

  test('a hashed user mints by its username; the token logs in with the internal id', async () => {
    const username = 'H'.repeat(70);
    const id = await createOidc(t, { username, displayname: 'Hashed' });
    const { token } = await mint(username);
    expect(await whoAmI(id, token)).toEqual(accepted(id));
    expect((await t.knex('audit_events').orderBy('id', 'desc').first()).target_username).toBe(id);
  });

  test('a disabled user still gets a token, which fails until the user is enabled', async () => {
    const id = await createOidc(t, { username: 'disabled-minter', displayname: 'D', enabled: false });
    const { token } = await mint(id);
    const refused = await whoAmI(id, token);
    expect(refused.ocs).toMatchObject({ status: 401, statuscode: 997 });
    expect(refused.rpc.status).toBe(401);
    expect(refused.compat.status).toBe(401);
    expectOk(await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: {} }), userView(id, { displayname: 'D' }));
    expect(await whoAmI(id, token)).toEqual(accepted(id));
  });

  test('every mint is new; 20 tokens are distinct and all valid', async () => {
    const id = await createOidc(t, { username: 'many-tokens', displayname: 'M' });
    const tokens: string[] = [];
    for (let i = 0; i < 20; i += 1) tokens.push((await mint(id)).token);
    expect(new Set(tokens).size).toBe(20);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9]{72}$/);
    expect((await ocsJson(t, 'GET', 2, 'user', { caller: [id, tokens[0]] })).statuscode).toBe(200);
    expect((await ocsJson(t, 'GET', 2, 'user', { caller: [id, tokens[19]] })).statuscode).toBe(200);
  });

  test('unknown user, unlinked user, unknown provider → 404; nothing minted', async () => {
    const before = { pw: await t.knex('app_passwords').count({ n: '*' }).first(), audit: await t.knex('audit_events').count({ n: '*' }).first() };
    expectMessage(await oidc(t, 'GET', 'token/telekom/ghost'), 404, 'No user ghost, id=ghost');
    expectMessage(await oidc(t, 'GET', 'token/telekom/local1'), 404, 'No user local1, id=local1');
    expectMessage(await oidc(t, 'GET', `token/o2/${ID}`), 404, 'No oidc provider o2');
    expect({ pw: await t.knex('app_passwords').count({ n: '*' }).first(), audit: await t.knex('audit_events').count({ n: '*' }).first() }).toEqual(before);
  });
});

describe('§11 case 15: DELETE ends the tokens', () => {
  test('DELETE → 200 ""; GET → 404; OCS GET → 404; the old tokens → 997/401 on OCS and 401 on JSON-RPC', async () => {
    const id = await createOidc(t, { username: 'to-delete', displayname: 'Gone soon' });
    const tokens = [(await mint(id)).token, (await mint(id)).token];
    for (const token of tokens) expect(await whoAmI(id, token)).toEqual(accepted(id));
    expectOk(await oidc(t, 'DELETE', `nmcusers/telekom/${id}`), '');
    expectMessage(await oidc(t, 'GET', `nmcusers/telekom/${id}`), 404, `No user ${id}, id=${id}`);
    const ocs = await ocsJson(t, 'GET', 2, `users/${id}`);
    expect({ status: ocs.status, statuscode: ocs.statuscode }).toEqual({ status: 404, statuscode: 404 });
    for (const token of tokens) {
      const v2 = await ocsJson(t, 'GET', 2, 'user', { caller: [id, token] });
      const v1 = await ocsJson(t, 'GET', 1, 'user', { caller: [id, token] });
      expect({ v2: [v2.status, v2.statuscode], v1: v1.statuscode }).toEqual({ v2: [401, 997], v1: 997 });
      expect((await t.call('/rpc', { jsonrpc: '2.0', method: 'getMe', id: 1 }, [id, token])).status).toBe(401);
    }
    expect(await t.knex('app_passwords').whereIn('token_hash', tokens.map(sha256Hex))).toEqual([]);
    // the audit trail stays: the creation, both mints and the deletion
    expect((await t.knex('audit_events').where({ target_username: id }).orderBy('id')).map((e: { action: string }) => e.action)).toEqual(['oidcCreateUser', 'nmcuser_oidc.token', 'nmcuser_oidc.token', 'oidcDeleteUser']);
  });
});
