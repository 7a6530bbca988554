/**
 * Batches at both endpoints: contract §1.3, the batch notifications of §1.4, the compat whole-batch
 * rule of §5.4 versus strict per-element denial, and the batch examples of §14.
 */
import { startTestApp, type TestApp } from '../helpers/app';
import {
  COMPAT_FORBIDDEN,
  COMPAT_INVALID_REQUEST,
  COMPAT_PARSE_ERROR,
  COMPAT_UNAUTHORIZED,
  LIMIT,
  PROJECT_ROLES,
  STRICT_INVALID_REQUEST,
  STRICT_UNAUTHENTICATED,
  expectCompatEmpty,
  expectJson,
  expectNoContent,
} from '../helpers/protocol';

const USER = ['user', 'password'] as const;
const call = (method: string, params: unknown, id?: unknown) => ({ jsonrpc: '2.0', method, params, ...(id === undefined ? {} : { id }) });
let t: TestApp;
let small: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  small = await startTestApp({ env: { BATCH_LIMIT: '3' } });
  await t.createUser(USER[0], USER[1]);
});
afterAll(async () => {
  await small.close();
  await t.close();
});

const usernames = async (app = t) => (await app.knex('users').select('username').orderBy('id')).map((r) => r.username as string);
const strip = (text: string) => text.slice(1, -1); // array without brackets
const compatParse = strip(`[${COMPAT_PARSE_ERROR}]`);

describe('§14 compat batch examples (exact bytes)', () => {
  test('[1,2] → two -32700 in their slots, no authentication needed', async () => {
    expectJson(await t.call('/jsonrpc.php', '[1,2]', 'none'), 200, `[${compatParse},${compatParse}]`);
  });

  test('mixed batch: result, -32601, notification, invalid object, binding error', async () => {
    const body =
      '[{"jsonrpc":"2.0","method":"getProjectRoles","id":1},{"jsonrpc":"2.0","method":"nope","id":3},{"jsonrpc":"2.0","method":"getProjectRoles"},{"foo":"bar"},{"jsonrpc":"2.0","method":"getUser","id":4}]';
    const answer = `[{"jsonrpc":"2.0","result":${PROJECT_ROLES},"id":1},{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":3},${COMPAT_INVALID_REQUEST},{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Wrong number of arguments"},"id":4}]`;
    expectJson(await t.call('/jsonrpc.php', body), 200, answer);
  });

  test('whole-batch rule: [createUser, getMe] with the app token → one 403, the user is NOT created', async () => {
    const body = [call('createUser', ['batch-denied', 'secret1'], 1), call('getMe', undefined, 2)];
    expectJson(await t.call('/jsonrpc.php', body), 403, COMPAT_FORBIDDEN);
    expect(await usernames()).not.toContain('batch-denied');
  });
});

describe('strict counterparts of the §14 batches', () => {
  test('[1,2] → two -32600 invalid_request', async () => {
    const el = strip(`[${STRICT_INVALID_REQUEST}]`);
    expectJson(await t.call('/rpc', '[1,2]', 'none'), 200, `[${el},${el}]`);
  });

  test('mixed batch with strict errors', async () => {
    const body =
      '[{"jsonrpc":"2.0","method":"getProjectRoles","id":1},{"jsonrpc":"2.0","method":"nope","id":3},{"jsonrpc":"2.0","method":"getProjectRoles"},{"foo":"bar"},{"jsonrpc":"2.0","method":"getUser","id":4}]';
    const answer = `[{"jsonrpc":"2.0","result":${PROJECT_ROLES},"id":1},{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found","data":{"reason":"method_not_found"}},"id":3},${STRICT_INVALID_REQUEST},{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":{"reason":"invalid_params","errors":[{"instancePath":"","keyword":"required","message":"must have required property 'user_id'"}]}},"id":4}]`;
    expectJson(await t.call('/rpc', body), 200, answer);
  });

  test('no whole-batch rule: getMe gets -32003 in its slot and the other elements run', async () => {
    const body = [call('createUser', ['strict-batch', 'secret1'], 1), call('getMe', undefined, 2), call('getUserByName', ['strict-batch'], 3)];
    const res = await t.call('/rpc', body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { jsonrpc: '2.0', result: expect.any(Number), id: 1 },
      { jsonrpc: '2.0', error: { code: -32003, message: 'Forbidden', data: { reason: 'user_credentials_required' } }, id: 2 },
      { jsonrpc: '2.0', result: expect.objectContaining({ username: 'strict-batch' }), id: 3 },
    ]);
    expect(res.text).toContain('{"jsonrpc":"2.0","error":{"code":-32003,"message":"Forbidden","data":{"reason":"user_credentials_required"}},"id":2}');
    expect(await usernames()).toContain('strict-batch');
  });

  test('user mode: a denied element gets -32003 required app-admin, the others run', async () => {
    const body = [call('getVersion', undefined, 'a'), call('createUser', ['by-app-user', 'secret1'], 'b'), call('getMe', undefined, 'c')];
    const res = await t.call('/rpc', body, USER);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { jsonrpc: '2.0', result: '1.2.53', id: 'a' },
      { jsonrpc: '2.0', error: { code: -32003, message: 'Forbidden', data: { reason: 'forbidden', required: 'app-admin' } }, id: 'b' },
      { jsonrpc: '2.0', result: expect.objectContaining({ username: 'user' }), id: 'c' },
    ]);
    expect(await usernames()).not.toContain('by-app-user');
  });
});

describe('§5.4 compat whole-batch rule', () => {
  test('user mode: one app-admin procedure in the batch → 403, nothing runs', async () => {
    const body = [call('getVersion', undefined, 1), call('createUser', ['by-app-user-2', 'secret1'], 2)];
    expectJson(await t.call('/jsonrpc.php', body, USER), 403, COMPAT_FORBIDDEN);
    expect(await usernames()).not.toContain('by-app-user-2');
  });

  test('a denied notification also replaces the whole answer', async () => {
    const body = [call('createUser', ['before-me', 'secret1'], 1), call('GETME', undefined)];
    expectJson(await t.call('/jsonrpc.php', body), 403, COMPAT_FORBIDDEN);
    expect(await usernames()).not.toContain('before-me');
  });

  test('unknown methods and invalid elements do not trigger the rule', async () => {
    const body = [call('nope', undefined, 1), { foo: 1 }, call('getMe', undefined, 2)];
    const res = await t.call('/jsonrpc.php', body, USER);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: 1 },
      { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null },
      { jsonrpc: '2.0', result: expect.objectContaining({ username: 'user' }), id: 2 },
    ]);
  });
});

describe('§1.3 batches', () => {
  test.each(['/jsonrpc.php', '/rpc'] as const)('%s: [] → one -32600 object (not an array), no authentication needed', async (ep) => {
    expectJson(await t.call(ep, '[]', 'none'), 200, ep === '/rpc' ? STRICT_INVALID_REQUEST : COMPAT_INVALID_REQUEST);
    expectJson(await t.call(ep, ' [ ] ', 'none'), 200, ep === '/rpc' ? STRICT_INVALID_REQUEST : COMPAT_INVALID_REQUEST);
  });

  test.each(['/jsonrpc.php', '/rpc'] as const)('%s: elements run sequentially in request order', async (ep) => {
    const name = `seq${ep.length}`;
    const body = [
      call('getUserByName', [name], 1),
      call('createUser', [name, 'secret1'], 2),
      call('getUserByName', [name], 3),
      call('isActiveUser', [1], 5),
    ];
    const res = await t.call(ep, body);
    expect(res.status).toBe(200);
    expect(res.body.map((r: { id: unknown }) => r.id)).toEqual([1, 2, 3, 5]);
    expect(res.body[0]).toEqual(
      ep === '/rpc'
        ? { jsonrpc: '2.0', error: { code: -32001, message: 'Not found', data: { reason: 'not_found', resource: 'user' } }, id: 1 }
        : { jsonrpc: '2.0', result: null, id: 1 },
    );
    expect(res.body[1]).toEqual({ jsonrpc: '2.0', result: expect.any(Number), id: 2 });
    expect(res.body[2]).toEqual({ jsonrpc: '2.0', result: expect.objectContaining({ id: res.body[1].result, username: name }), id: 3 });
    expect(res.body[3]).toEqual({ jsonrpc: '2.0', result: true, id: 5 });
  });

  test.each(['/jsonrpc.php', '/rpc'] as const)('%s: a failing element does not undo earlier ones', async (ep) => {
    const name = `kept${ep.length}`;
    const res = await t.call(ep, [call('createUser', [name, 'secret1'], 1), call('createUser', [name, 'secret1'], 2)]);
    expect(res.status).toBe(200);
    expect(res.body[1]).toEqual(
      ep === '/rpc'
        ? { jsonrpc: '2.0', error: { code: -32002, message: 'Already exists', data: { reason: 'already_exists', resource: 'user', field: 'username' } }, id: 2 }
        : { jsonrpc: '2.0', result: false, id: 2 },
    );
    expect((await usernames()).filter((u) => u === name)).toHaveLength(1);
  });

  test('non-object elements: compat -32700 in the slot, strict -32600', async () => {
    const body = '[1,"x",[{"jsonrpc":"2.0","method":"getVersion","id":1}],null,true,{"jsonrpc":"2.0","method":"getTimezone","id":9}]';
    const ok = '{"jsonrpc":"2.0","result":"UTC","id":9}';
    expectJson(await t.call('/jsonrpc.php', body), 200, `[${Array(5).fill(compatParse).join(',')},${ok}]`);
    const strictEl = strip(`[${STRICT_INVALID_REQUEST}]`);
    expectJson(await t.call('/rpc', body), 200, `[${Array(5).fill(strictEl).join(',')},${ok}]`);
  });

  test('object elements failing §1.2 get -32600 in their slot (invalid id at strict, params scalar)', async () => {
    const body = '[{"jsonrpc":"2.0","method":"getVersion","id":{"a":1}},{"jsonrpc":"2.0","method":"getVersion","params":3,"id":2},{"jsonrpc":"1.0","method":"getVersion","id":3}]';
    expectJson(
      await t.call('/jsonrpc.php', body),
      200,
      `[{"jsonrpc":"2.0","result":"1.2.53","id":{"a":1}},${COMPAT_INVALID_REQUEST},${COMPAT_INVALID_REQUEST}]`,
    );
    expectJson(await t.call('/rpc', body, 'none'), 200, `[${STRICT_INVALID_REQUEST},${STRICT_INVALID_REQUEST},${STRICT_INVALID_REQUEST}]`);
  });

  test('all-notification batch: compat 200 empty body, strict 204; the elements ran', async () => {
    expectCompatEmpty(await t.call('/jsonrpc.php', [call('createUser', ['notif-c', 'secret1']), call('getVersion', undefined, null), call('nope', [])]));
    expectNoContent(await t.call('/rpc', [call('createUser', ['notif-s', 'secret1']), call('getVersion', undefined), call('nope', [])]));
    expect(await usernames()).toEqual(expect.arrayContaining(['notif-c', 'notif-s']));
  });

  test('notifications never add entries; the answer keeps request order', async () => {
    const body = [call('getTimezone', undefined, 'one'), call('getVersion', undefined), call('getDefaultTaskColor', undefined, 'two')];
    const expected = '[{"jsonrpc":"2.0","result":"UTC","id":"one"},{"jsonrpc":"2.0","result":"yellow","id":"two"}]';
    expectJson(await t.call('/rpc', body), 200, expected);
    expectJson(await t.call('/jsonrpc.php', body), 200, expected);
  });

  test('a one-element batch answers an array', async () => {
    expectJson(await t.call('/jsonrpc.php', [call('getTimezone', undefined, 1)]), 200, '[{"jsonrpc":"2.0","result":"UTC","id":1}]');
    expectJson(await t.call('/rpc', [call('getTimezone', undefined, 1)]), 200, '[{"jsonrpc":"2.0","result":"UTC","id":1}]');
  });

  test('authentication happens once per request: a bad credential → one 401 for the batch, nothing runs', async () => {
    const body = [call('createUser', ['unauth-batch', 'secret1'], 1), call('getVersion', undefined, 2)];
    const compat = await t.call('/jsonrpc.php', body, ['jsonrpc', 'nope']);
    expectJson(compat, 401, COMPAT_UNAUTHORIZED);
    expect(compat.headers['www-authenticate']).toBe('Basic realm="JsonRPC"');
    expectJson(await t.call('/rpc', body, 'none'), 401, STRICT_UNAUTHENTICATED);
    expect(await usernames()).not.toContain('unauth-batch');
  });

  test.each(['/jsonrpc.php', '/rpc'] as const)('%s: a batch with a wrong password counts one failed login, not one per element', async (ep) => {
    const failures = async () => (await t.knex('users').where({ username: USER[0] }).first()).nb_failed_login as number;
    const before = await failures();
    const body = [call('getMe', undefined, 1), call('getMe', undefined, 2), call('getVersion', undefined, 3)];
    expect((await t.call(ep, body, [USER[0], 'wrong-password'])).status).toBe(401);
    expect(await failures()).toBe(before + 1);
    expect((await t.call(ep, [call('getMe', undefined, 1)], USER)).status).toBe(200); // resets the counter
    expect(await failures()).toBe(0);
  });

  test('a batch of only invalid elements needs no authentication', async () => {
    expectJson(await t.call('/jsonrpc.php', '[{"foo":"bar"}]', 'none'), 200, `[${COMPAT_INVALID_REQUEST}]`);
    expectJson(await t.call('/rpc', '[{"foo":"bar"}]', 'none'), 200, `[${STRICT_INVALID_REQUEST}]`);
  });
});

describe('§1.3 batch length', () => {
  const creates = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => call('createUser', [`${prefix}${i}`, 'secret1'], i));

  test.each(['/jsonrpc.php', '/rpc'] as const)('%s: 101 elements at the default limit → -32007 batch_too_large, nothing runs', async (ep) => {
    const prefix = `big${ep.length}-`;
    expectJson(await t.call(ep, creates(101, prefix)), 200, LIMIT('batch_too_large', 100));
    expect((await usernames()).filter((u) => u.startsWith(prefix))).toEqual([]);
  });

  test.each(['/jsonrpc.php', '/rpc'] as const)('%s: 100 elements run', async (ep) => {
    const res = await t.call(ep, Array.from({ length: 100 }, (_, i) => call('getTimezone', undefined, i)));
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(100);
    expect(res.body[99]).toEqual({ jsonrpc: '2.0', result: 'UTC', id: 99 });
  });

  test.each(['/jsonrpc.php', '/rpc'] as const)('%s: BATCH_LIMIT=3 → 4 elements refused before authentication, 3 run', async (ep) => {
    const prefix = `small${ep.length}-`;
    expectJson(await small.call(ep, creates(4, prefix), 'none'), 200, LIMIT('batch_too_large', 3));
    expectJson(await small.call(ep, '[1,2,3,4]', 'none'), 200, LIMIT('batch_too_large', 3));
    expect((await usernames(small)).filter((u) => u.startsWith(prefix))).toEqual([]);
    const ok = await small.call(ep, creates(3, prefix));
    expect(ok.status).toBe(200);
    expect(ok.body.map((r: { id: number; result: unknown }) => [r.id, typeof r.result])).toEqual([
      [0, 'number'],
      [1, 'number'],
      [2, 'number'],
    ]);
    expect((await usernames(small)).filter((u) => u.startsWith(prefix))).toEqual([`${prefix}0`, `${prefix}1`, `${prefix}2`]);
  });
});
