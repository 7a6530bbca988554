/**
 * Unexpected failures (§3.2, §3.3, §3.5): with the users table gone, calls that touch it answer
 * -32603 with `data` exactly {"requestId": <X-Request-Id>} at both endpoints, and nothing leaks.
 */
import { startTestApp, type Endpoint, type TestApp } from '../helpers/app';
import { COMPAT_PARSE_ERROR, UUID, expectCompatEmpty, expectJson, expectNoContent } from '../helpers/protocol';

const ENDPOINTS: Endpoint[] = ['/jsonrpc.php', '/rpc'];
const INTERNAL = (requestId: string, id: string) =>
  `{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error","data":{"requestId":"${requestId}"}},"id":${id}}`;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  await t.createUser('before-drop', 'secret-before');
  await t.knex.raw('DROP TABLE users CASCADE');
});
afterAll(() => t.close());

describe('-32603 Internal error', () => {
  test.each(ENDPOINTS)('%s: a read → -32603 with data.requestId = the echoed X-Request-Id', async (ep) => {
    const res = await t.call(ep, { jsonrpc: '2.0', method: 'getUser', params: [1], id: 1 }, 'app', { 'X-Request-Id': `int-read${ep.length}` });
    expectJson(res, 200, INTERNAL(`int-read${ep.length}`, '1'), `int-read${ep.length}`);
  });

  test.each(ENDPOINTS)('%s: without X-Request-Id, data.requestId is the generated UUID of the header', async (ep) => {
    const res = await t.call(ep, { jsonrpc: '2.0', method: 'getAllUsers', id: 'x' }, 'app', { 'X-Request-Id': 'not valid!' });
    const requestId = res.headers['x-request-id'];
    expect(requestId).toMatch(UUID);
    expectJson(res, 200, INTERNAL(requestId, '"x"'));
  });

  test.each(ENDPOINTS)('%s: a write (in a transaction) → -32603', async (ep) => {
    const res = await t.call(ep, { jsonrpc: '2.0', method: 'createUser', params: ['after-drop', 'secret-after-drop'], id: 2 }, 'app', { 'X-Request-Id': `int-write${ep.length}` });
    expectJson(res, 200, INTERNAL(`int-write${ep.length}`, '2'), `int-write${ep.length}`);
  });

  test.each(ENDPOINTS)('%s: in a batch, only the failing element gets -32603 and the batch continues', async (ep) => {
    const body = [
      { jsonrpc: '2.0', method: 'getVersion', id: 1 },
      { jsonrpc: '2.0', method: 'getUserByName', params: ['admin'], id: 2 },
      { jsonrpc: '2.0', method: 'getTimezone', id: 3 },
    ];
    const rid = `int-batch${ep.length}`;
    const res = await t.call(ep, body, 'app', { 'X-Request-Id': rid });
    expectJson(res, 200, `[{"jsonrpc":"2.0","result":"1.2.53","id":1},${INTERNAL(rid, '2')},{"jsonrpc":"2.0","result":"UTC","id":3}]`, rid);
  });

  test('notifications stay silent: compat 200 empty body, strict 204', async () => {
    expectCompatEmpty(await t.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'getUser', params: [1] }));
    expectNoContent(await t.call('/rpc', { jsonrpc: '2.0', method: 'getUser', params: [1] }));
  });

  test('requests that need no database are unaffected', async () => {
    expectJson(await t.call('/jsonrpc.php', '{"jsonrpc":"2.0","method":"getVersion","id":1}'), 200, '{"jsonrpc":"2.0","result":"1.2.53","id":1}');
    expectJson(await t.call('/jsonrpc.php', '{', 'none'), 200, COMPAT_PARSE_ERROR);
  });

  test.each(ENDPOINTS)('%s: user credentials when the users table is gone → -32603, never a stack or SQL', async (ep) => {
    const rid = `int-auth${ep.length}`;
    const res = await t.call(ep, { jsonrpc: '2.0', method: 'getMe', id: 5 }, ['before-drop', 'secret-before'], { 'X-Request-Id': rid });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json(; ?charset=utf-8)?$/i);
    expect(res.body.error).toEqual({ code: -32603, message: 'Internal error', data: { requestId: rid } });
    expect(Object.keys(res.body)).toEqual(['jsonrpc', 'error', 'id']);
    expectJson(res, 200, res.text, rid); // headers and no-leak rules
  });

  test('each failure is logged once with its request id; logs hold no password', async () => {
    const rid = 'int-log-once';
    await t.call('/rpc', { jsonrpc: '2.0', method: 'getUser', params: [1], id: 1 }, 'app', { 'X-Request-Id': rid });
    // the failure is logged once at error; the request's own `request completed` line is a warning
    const lines = t.logs.filter((line) => line.includes(rid)).map((line) => JSON.parse(line) as { level: number; msg: string; requestId: string });
    expect(lines.filter((line) => line.level >= 50)).toEqual([expect.objectContaining({ level: 50, requestId: rid })]);
    expect(lines.filter((line) => line.level < 50)).toEqual([expect.objectContaining({ level: 40, msg: 'request completed', requestId: rid, outcome: 'server_error' })]);
    const all = t.logs.join('\n');
    for (const secret of ['secret-after-drop', 'secret-before']) expect(all).not.toContain(secret);
  });
});
