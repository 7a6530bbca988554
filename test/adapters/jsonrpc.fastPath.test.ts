/**
 * The JSON-RPC fast path (src/adapters/jsonrpc/fastPath.ts): a POST to /jsonrpc.php or /rpc with a
 * plain Content-Length body is served before express, everything else by the express routes. Both
 * must be indistinguishable: the same status, headers and body bytes, the same request log line and
 * metrics — checked here by sending each request twice, once with Content-Length (fast path) and
 * once chunked (express), and by counting which of the two served it.
 */
import net from 'node:net';
import request from 'supertest';
import { ADMIN, API_TOKEN, startTestApp, type TestApp } from '../helpers/app';
import { listen, parseAnswer, type Listening, type RawAnswer } from '../helpers/rawHttp';

let t: TestApp;
let server: Listening;
/** Requests that reached express's router (the fast path never hands one over). */
let expressHandled = 0;
const USER = { username: 'fast-user', password: 'Fast-Passw0rd-1' };

beforeAll(async () => {
  t = await startTestApp();
  await t.createUser(USER.username, USER.password);
  const router = (t.app as unknown as { router: { handle: (...args: unknown[]) => unknown } }).router;
  const handle = router.handle.bind(router);
  router.handle = (...args: unknown[]) => {
    expressHandled += 1;
    return handle(...args);
  };
  server = await listen(t.app);
});
afterAll(async () => {
  await server.close();
  await t.close();
});

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
const APP = basic('jsonrpc', API_TOKEN);

function head(path: string, headers: Record<string, string>, framing: string): string {
  const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', framing, 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Sends the bytes on a new socket and collects the answer until the server closes it. */
function exchange(bytes: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (data) => received.push(data));
    socket.on('error', reject);
    socket.on('close', () => resolve(parseAnswer(Buffer.concat(received))));
    socket.write(bytes);
  });
}

/** The same request with Content-Length (fast path) and chunked (express); returns both answers. */
async function both(path: string, body: string | Buffer, headers: Record<string, string>, id: string): Promise<{ fast: RawAnswer; express: RawAnswer }> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const before = expressHandled;
  const fast = await exchange(Buffer.concat([Buffer.from(head(path, { ...headers, 'X-Request-Id': `${id}-fast` }, `Content-Length: ${bytes.length}`)), bytes]));
  expect(expressHandled).toBe(before);
  const framing = Buffer.from(head(path, { ...headers, 'X-Request-Id': `${id}-express` }, 'Transfer-Encoding: chunked'));
  const express = await exchange(Buffer.concat([framing, Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n0\r\n\r\n')]));
  expect(expressHandled).toBe(before + 1);
  return { fast, express };
}

/** Headers without the ones that differ by nature (the date, the request's own id, the framing). */
function comparable(answer: RawAnswer, id: string): Record<string, unknown> {
  const { date, ...headers } = answer.headers;
  expect(date).toBeDefined();
  expect(headers['x-request-id']).toBe(id);
  return { status: answer.status, headers: { ...headers, 'x-request-id': '(id)' }, body: answer.body.toString('utf8'), complete: answer.complete };
}

/** The request log line of a request id, without its id and duration. */
function logLine(requestId: string): Record<string, unknown> {
  const lines = t.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'request completed' && line.requestId === requestId);
  expect(lines).toHaveLength(1);
  const { requestId: _id, durationMs, time, pid, hostname, ...rest } = lines[0];
  void _id;
  void time;
  void pid;
  void hostname;
  expect(typeof durationMs).toBe('number');
  return rest;
}

async function expectSame(path: string, body: string | Buffer, headers: Record<string, string>, id: string): Promise<RawAnswer> {
  const { fast, express } = await both(path, body, { 'Content-Type': 'application/json', ...headers }, id);
  expect(comparable(fast, `${id}-fast`)).toEqual(comparable(express, `${id}-express`));
  expect(logLine(`${id}-fast`)).toEqual(logLine(`${id}-express`));
  return fast;
}

const call = (method: string, params?: unknown, id: unknown = 1) => JSON.stringify({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }), id });

describe.each(['/jsonrpc.php', '/rpc'])('%s: the fast path answers and logs as express does', (path) => {
  test('getUser with the app token, a user password, and without credentials', async () => {
    const ok = await expectSame(path, call('getUser', { user_id: 1 }), { Authorization: APP }, `fp-app${path.length}`);
    expect(JSON.parse(ok.body.toString())).toMatchObject({ result: { id: 1, username: ADMIN.username } });
    await expectSame(path, call('getUser', { user_id: 1 }), { Authorization: basic(USER.username, USER.password) }, `fp-user${path.length}`);
    const refused = await expectSame(path, call('getUser', { user_id: 1 }), {}, `fp-none${path.length}`);
    expect(refused.status).toBe(401);
    await expectSame(path, call('getUser', { user_id: 1 }), { Authorization: basic(USER.username, 'wrong') }, `fp-wrong${path.length}`);
  });

  test('not found, unknown method, invalid params, a notification, a batch, a parse error, invalid UTF-8, a byte order mark', async () => {
    await expectSame(path, call('getUser', { user_id: 999999 }), { Authorization: APP }, `fp-missing${path.length}`);
    await expectSame(path, call('noSuchMethod'), { Authorization: APP }, `fp-unknown${path.length}`);
    await expectSame(path, call('getUser', { user_id: 'x' }), { Authorization: APP }, `fp-invalid${path.length}`);
    await expectSame(path, JSON.stringify({ jsonrpc: '2.0', method: 'getVersion' }), { Authorization: APP }, `fp-notification${path.length}`);
    await expectSame(path, `[${call('getVersion')},${call('getUser', { user_id: 1 }, 2)},${call('nope', undefined, 3)}]`, { Authorization: APP }, `fp-batch${path.length}`);
    await expectSame(path, '{"jsonrpc":', { Authorization: APP }, `fp-parse${path.length}`);
    const notUtf8 = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","method":"getVersion","id":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    await expectSame(path, notUtf8, { Authorization: APP }, `fp-latin1${path.length}`);
    await expectSame(path, `\ufeff${call('getVersion')}`, { Authorization: APP }, `fp-bom${path.length}`);
  });

  test('a disabled jsonrpc component: the same 404 on both paths; enabled again, both answer', async () => {
    const admin = basic(ADMIN.username, ADMIN.password);
    const ocs = (method: 'delete' | 'post') => request(t.app)[method]('/ocs/v2.php/cloud/apps/jsonrpc?format=json').set('Authorization', admin).set('OCS-APIRequest', 'true');
    expect((await ocs('delete')).status).toBe(200);
    try {
      const off = await expectSame(path, call('getUser', { user_id: 1 }), { Authorization: APP }, `fp-off${path.length}`);
      expect([off.status, off.body.toString()]).toEqual([404, '{"message":"App jsonrpc is disabled"}']);
    } finally {
      expect((await ocs('post')).status).toBe(200);
    }
    const on = await expectSame(path, call('getUser', { user_id: 1 }), { Authorization: APP }, `fp-on${path.length}`);
    expect(on.status).toBe(200);
  });
});

test('what the fast path leaves to express: other methods, a query string, compressed or empty bodies, a wrong media type on /rpc', async () => {
  const before = expressHandled;
  await request(t.app).get('/jsonrpc.php').auth('jsonrpc', API_TOKEN);
  await request(t.app).post('/jsonrpc.php?x=1').auth('jsonrpc', API_TOKEN).set('Content-Type', 'application/json').send(call('getVersion'));
  await request(t.app).post('/rpc').auth('jsonrpc', API_TOKEN).set('Content-Type', 'text/plain').send(call('getVersion'));
  await request(t.app).post('/rpc').auth('jsonrpc', API_TOKEN).set('Content-Type', 'application/json').set('Content-Length', '0').send('');
  await request(t.app).post('/jsonrpc.php').auth('jsonrpc', API_TOKEN).set('Content-Type', 'application/json').set('Content-Encoding', 'identity').send(call('getVersion'));
  expect(expressHandled - before).toBe(5);
  const fastBefore = expressHandled;
  const res = await request(t.app).post('/rpc').auth('jsonrpc', API_TOKEN).set('Content-Type', 'application/json; charset=utf-8').send(call('getVersion'));
  expect([res.status, expressHandled]).toEqual([200, fastBefore]);
});

test('a client that goes away in the middle of its body: logged as aborted, as express logs it', async () => {
  const cut = (framing: string, partial: string, id: string) =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write(head('/jsonrpc.php', { 'Content-Type': 'application/json', Authorization: APP, 'X-Request-Id': id }, framing) + partial);
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
  const waitForLine = async (id: string) => {
    for (let i = 0; i < 200 && !t.logs.some((line) => line.includes(`"requestId":"${id}"`)); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    return logLine(id);
  };
  const before = expressHandled;
  await cut('Content-Length: 100', '{"jsonrpc":"2.0",', 'fp-cut-fast');
  const fast = await waitForLine('fp-cut-fast');
  expect(expressHandled).toBe(before);
  await cut('Transfer-Encoding: chunked', '64\r\n{"jsonrpc":"2.0",', 'fp-cut-express');
  const viaExpress = await waitForLine('fp-cut-express');
  expect(expressHandled).toBe(before + 1);
  expect(fast).toMatchObject({ outcome: 'aborted', surface: 'jsonrpc', route: 'invalid' });
  expect(fast).toEqual(viaExpress);
});
