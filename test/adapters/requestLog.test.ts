/**
 * The request log (issue #6 part 4): one `request completed` line per request with the request id,
 * surface, route or JSON-RPC methods, caller, status and duration; server errors at error level;
 * never a body, an Authorization value, a password or a token; pretty output on a terminal.
 */
import { Writable } from 'node:stream';
import request from 'supertest';
import { ADMIN, API_TOKEN, startTestApp, type TestApp } from '../helpers/app';
import { createLogger, scrubSecrets, withSecretKeys } from '../../src/logger';

const USER = { username: 'log-user', password: 'Known-Passw0rd-for-logs' };
const CUSTOM_HEADER = 'X-Roster-Auth';
const OIDC = '/apps/nmcuser_oidc/api/1.1';

type Line = Record<string, unknown> & { level: number; msg: string };

let t: TestApp;
let appPassword: string;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

beforeAll(async () => {
  t = await startTestApp({ env: { OIDC_PROVIDERS: 'Telekom', API_AUTH_HEADER: CUSTOM_HEADER } });
  await t.createUser(USER.username, USER.password);
  const minted = await t.rpc('/rpc', 'createMyAppPassword', { name: 'log-test' }, [USER.username, USER.password]);
  appPassword = (minted.result as { token: string }).token;
  expect(typeof appPassword).toBe('string');
});
afterAll(() => t.close());

function parsed(app: TestApp = t): Line[] {
  return app.logs.map((line) => JSON.parse(line) as Line);
}

/** The request lines of one request id (exactly one expected). */
function requestLine(requestId: string, app: TestApp = t): Line {
  const lines = parsed(app).filter((line) => line.msg === 'request completed' && line.requestId === requestId);
  expect(lines).toHaveLength(1);
  return lines[0];
}

function expectTiming(line: Line) {
  expect(typeof line.durationMs).toBe('number');
  expect(line.durationMs as number).toBeGreaterThanOrEqual(0);
}

describe('one line per request, per surface', () => {
  test('Kanboard JSON-RPC: the registered method name (case folded), the app token as caller `jsonrpc`', async () => {
    const res = await t.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'GETVERSION', id: 1 }, 'app', { 'X-Request-Id': 'log-jsonrpc-1' });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('log-jsonrpc-1');
    const line = requestLine('log-jsonrpc-1');
    expect(line).toMatchObject({
      level: 30,
      msg: 'request completed',
      service: 'roster',
      requestId: 'log-jsonrpc-1',
      surface: 'jsonrpc',
      httpMethod: 'POST',
      path: '/jsonrpc.php',
      route: 'getVersion',
      rpcMethods: ['getVersion'],
      caller: 'jsonrpc',
      callerVia: 'app_token',
      status: 200,
      outcome: 'ok',
    });
    expectTiming(line);
  });

  test('strict JSON-RPC batch: every method name and the count; a user caller by app password', async () => {
    const batch = [
      { jsonrpc: '2.0', method: 'getMe', id: 1 },
      { jsonrpc: '2.0', method: 'getVersion', id: 2 },
      { jsonrpc: '2.0', method: 'noSuchMethod', id: 3 },
    ];
    const res = await t.call('/rpc', batch, [USER.username, appPassword], { 'X-Request-Id': 'log-rpc-batch' });
    expect(res.status).toBe(200);
    expect(requestLine('log-rpc-batch')).toMatchObject({
      level: 30,
      surface: 'rpc',
      path: '/rpc',
      route: 'batch',
      rpcMethods: ['getMe', 'getVersion', 'noSuchMethod'],
      batchSize: 3,
      caller: USER.username,
      callerVia: 'app_password',
      status: 200,
      // the unknown method is answered with an error inside the 200
      outcome: 'client_error',
    });
  });

  test('strict JSON-RPC: a refused call inside a 200 is a client error; an unknown method is `unknown`', async () => {
    await t.call('/rpc', { jsonrpc: '2.0', method: 'getUser', params: { user_id: 999999 }, id: 1 }, 'app', { 'X-Request-Id': 'log-rpc-notfound' });
    expect(requestLine('log-rpc-notfound')).toMatchObject({ route: 'getUser', status: 200, outcome: 'client_error' });
    await t.call('/rpc', { jsonrpc: '2.0', method: 'noSuchMethod', id: 1 }, 'app', { 'X-Request-Id': 'log-rpc-unknown' });
    expect(requestLine('log-rpc-unknown')).toMatchObject({ route: 'unknown', rpcMethods: ['noSuchMethod'], outcome: 'client_error' });
    await t.call('/rpc', '{"jsonrpc":', 'app', { 'X-Request-Id': 'log-rpc-parse' });
    expect(requestLine('log-rpc-parse')).toMatchObject({ route: 'invalid', rpcMethods: [], outcome: 'client_error' });
  });

  test('OCS: the route pattern, never the user id; the admin by password', async () => {
    const res = await request(t.app)
      .get(`/ocs/v2.php/cloud/users/${USER.username}?format=json`)
      .auth(ADMIN.username, ADMIN.password)
      .set('OCS-APIRequest', 'true')
      .set('X-Request-Id', 'log-ocs-1');
    expect(res.status).toBe(200);
    const line = requestLine('log-ocs-1');
    expect(line).toMatchObject({
      level: 30,
      surface: 'ocs',
      httpMethod: 'GET',
      path: `/ocs/v2.php/cloud/users/${USER.username}`,
      route: 'GET users/{userid}',
      caller: ADMIN.username,
      callerVia: 'password',
      status: 200,
      outcome: 'ok',
    });
    expect(line.rpcMethods).toBeUndefined();
    expectTiming(line);
  });

  test('OCS v1: a failure statuscode inside HTTP 200 is a client error', async () => {
    const res = await request(t.app).get('/ocs/v1.php/cloud/users/nobody-here').auth(ADMIN.username, ADMIN.password).set('OCS-APIRequest', 'true').set('X-Request-Id', 'log-ocs-404');
    expect(res.status).toBe(200);
    expect(requestLine('log-ocs-404')).toMatchObject({ surface: 'ocs', route: 'GET users/{userid}', status: 200, outcome: 'client_error' });
  });

  test('nmcuser_oidc: the route pattern and the caller', async () => {
    const res = await request(t.app).get(`${OIDC}/nmcusers/telekom`).auth(ADMIN.username, ADMIN.password).set('X-Request-Id', 'log-oidc-1');
    expect(res.status).toBe(200);
    const line = requestLine('log-oidc-1');
    expect(line).toMatchObject({
      level: 30,
      surface: 'nmcuser_oidc',
      httpMethod: 'GET',
      path: `${OIDC}/nmcusers/telekom`,
      route: 'GET nmcusers/{provider}',
      caller: ADMIN.username,
      callerVia: 'password',
      status: 200,
      outcome: 'ok',
    });
    expectTiming(line);
  });

  test('refused credentials: no caller, authFailed, a client error', async () => {
    await t.call('/rpc', { jsonrpc: '2.0', method: 'getMe', id: 1 }, [USER.username, 'wrong-password'], { 'X-Request-Id': 'log-rpc-401' });
    const line = requestLine('log-rpc-401');
    expect(line).toMatchObject({ surface: 'rpc', route: 'getMe', status: 401, outcome: 'client_error', authFailed: true });
    expect(line.caller).toBeUndefined();
  });

  test('other paths: the express route, or `unmatched`', async () => {
    await request(t.app).get('/no/such/path?password=in-query').set('X-Request-Id', 'log-other-404');
    expect(requestLine('log-other-404')).toMatchObject({ surface: 'other', path: '/no/such/path', route: 'unmatched', status: 404, outcome: 'client_error' });
    await request(t.app).get('/openrpc.json').set('X-Request-Id', 'log-other-openrpc');
    expect(requestLine('log-other-openrpc')).toMatchObject({ surface: 'other', route: 'GET /openrpc.json', status: 200, outcome: 'ok', level: 30 });
  });

  test('probes and scrapes are logged at debug while they succeed', async () => {
    await request(t.app).get('/healthz').set('X-Request-Id', 'log-probe');
    expect(parsed().filter((line) => line.requestId === 'log-probe')).toEqual([]); // LOG_LEVEL=info
    const debug = await startTestApp({ env: { LOG_LEVEL: 'debug' } });
    try {
      await request(debug.app).get('/healthz').set('X-Request-Id', 'log-probe-debug');
      expect(requestLine('log-probe-debug', debug)).toMatchObject({ level: 20, route: 'GET /healthz', status: 200 });
    } finally {
      await debug.close();
    }
  });
});

describe('request ids', () => {
  test('the caller’s X-Request-Id is echoed and logged; without one a UUID is made, echoed and logged', async () => {
    const given = await request(t.app).get('/healthz').set('X-Request-Id', 'given.id-1');
    expect(given.headers['x-request-id']).toBe('given.id-1');
    const res = await request(t.app).get('/nope');
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestLine(id)).toMatchObject({ status: 404 });
  });

  test('an unsafe X-Request-Id is replaced, never logged', async () => {
    const res = await request(t.app).get('/nope').set('X-Request-Id', 'bad id with spaces');
    expect(res.headers['x-request-id']).not.toBe('bad id with spaces');
    expect(requestLine(res.headers['x-request-id'])).toMatchObject({ status: 404 });
    expect(t.logs.join('\n')).not.toContain('bad id with spaces');
  });
});

describe('server errors are logged at error level', () => {
  let broken: TestApp;
  beforeAll(async () => {
    broken = await startTestApp();
    await broken.db.close();
  });
  afterAll(() => broken.close().catch(() => undefined));

  test('HTTP 5xx (OCS v2 996 → 500, /readyz 503)', async () => {
    await request(broken.app).get('/ocs/v2.php/cloud/users').auth(ADMIN.username, ADMIN.password).set('OCS-APIRequest', 'true').set('X-Request-Id', 'log-500');
    expect(requestLine('log-500', broken)).toMatchObject({ level: 40, msg: 'request completed', surface: 'ocs', status: 500, outcome: 'server_error' });
    await request(broken.app).get('/readyz').set('X-Request-Id', 'log-503');
    expect(requestLine('log-503', broken)).toMatchObject({ level: 40, route: 'GET /readyz', status: 503, outcome: 'server_error' });
  });

  test('a JSON-RPC internal error inside HTTP 200 is a server error too', async () => {
    await broken.call('/rpc', { jsonrpc: '2.0', method: 'getMe', id: 1 }, [ADMIN.username, ADMIN.password], { 'X-Request-Id': 'log-rpc-internal' });
    expect(requestLine('log-rpc-internal', broken)).toMatchObject({ level: 40, surface: 'rpc', status: 200, outcome: 'server_error' });
  });
});

describe('no secret reaches a log line', () => {
  test('passwords, app passwords, tokens and Authorization values of every surface', async () => {
    const from = t.logs.length;
    const rpcBody = { jsonrpc: '2.0', method: 'getMe', id: 1 };
    // JSON-RPC: password, app password, app token, the custom header, wrong secrets, a password in params
    await t.call('/rpc', rpcBody, [USER.username, USER.password]);
    await t.call('/jsonrpc.php', rpcBody, [USER.username, appPassword]);
    await t.call('/jsonrpc.php', rpcBody, [USER.username, `${appPassword}-wrong`]);
    await t.call('/rpc', rpcBody, 'none', { [CUSTOM_HEADER]: b64(`${USER.username}:${USER.password}`) });
    await t.call('/rpc', rpcBody, 'none', { [CUSTOM_HEADER]: b64(`${USER.username}:${USER.password}-wrong`) });
    await t.call('/rpc', { jsonrpc: '2.0', method: 'createUser', params: { username: 'log-created', password: 'Created-Passw0rd-secret' }, id: 1 });
    await t.call('/rpc', { jsonrpc: '2.0', method: 'createMyAppPassword', params: { name: 'second' }, id: 1 }, [USER.username, USER.password]);
    // OCS: a password in the query string and in the body
    await request(t.app)
      .put(`/ocs/v2.php/cloud/users/${USER.username}?key=password&value=Query-Passw0rd-secret`)
      .auth(ADMIN.username, ADMIN.password)
      .set('OCS-APIRequest', 'true');
    await request(t.app)
      .post('/ocs/v2.php/cloud/users')
      .auth(ADMIN.username, ADMIN.password)
      .set('OCS-APIRequest', 'true')
      .type('form')
      .send({ userid: 'log-ocs-created', password: 'Body-Passw0rd-secret' });
    await request(t.app).get('/ocs/v2.php/cloud/user').auth(USER.username, appPassword).set('OCS-APIRequest', 'true');
    // nmcuser_oidc: a minted token is only in the response body
    const created = await request(t.app).post(`${OIDC}/nmcusers/telekom`).auth(ADMIN.username, ADMIN.password).type('json').send({ username: '120049010000000000000001', displayname: 'Log, Test', email: 'a@example.org' });
    expect([created.status, created.text]).toEqual([200, expect.any(String)]);
    const id = (JSON.parse(created.text) as { id: string }).id;
    const minted = await request(t.app).get(`${OIDC}/token/telekom/${encodeURIComponent(id)}`).auth(ADMIN.username, ADMIN.password);
    expect(minted.status).toBe(200);
    const token = (minted.body as { token: string }).token;

    const lines = t.logs.slice(from);
    expect(lines.filter((line) => line.includes('"msg":"request completed"')).length).toBeGreaterThanOrEqual(12);
    const logs = t.logs.join('\n');
    const needles = [
      USER.password,
      appPassword,
      token,
      API_TOKEN,
      ADMIN.password,
      'Created-Passw0rd-secret',
      'Query-Passw0rd-secret',
      'Body-Passw0rd-secret',
      b64(`jsonrpc:${API_TOKEN}`),
      b64(`${USER.username}:${USER.password}`),
      b64(`${USER.username}:${appPassword}`),
      b64(`${ADMIN.username}:${ADMIN.password}`),
      b64(`${USER.username}:${USER.password}-wrong`),
    ];
    for (const needle of needles) expect({ needle, inLogs: logs.includes(needle) }).toEqual({ needle, inLogs: false });
    expect(logs).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/);
    expect(logs.toLowerCase()).not.toContain(CUSTOM_HEADER.toLowerCase());
  });

  test('members named like secrets are redacted at any depth, the API_AUTH_HEADER name too', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => done(void lines.push(String(chunk))) });
    const logger = withSecretKeys(createLogger('info', sink), [CUSTOM_HEADER]);
    const object = {
      requestId: 'r1',
      headers: { authorization: 'Basic c2VjcmV0', 'x-roster-auth': 'custom-value', accept: 'application/json' },
      nested: { deeper: [{ password: 'p1', apiToken: 't1', passwordHash: '$2y$hash', user: 'kept' }] },
      token: 'top-level-token',
      secret: 'top-secret',
    };
    logger.info(object, 'something');
    const line = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(line).toMatchObject({
      requestId: 'r1',
      headers: { authorization: '[redacted]', 'x-roster-auth': '[redacted]', accept: 'application/json' },
      nested: { deeper: [{ password: '[redacted]', apiToken: '[redacted]', passwordHash: '[redacted]', user: 'kept' }] },
      token: '[redacted]',
      secret: '[redacted]',
    });
    for (const value of ['c2VjcmV0', 'custom-value', 'p1', 't1', '$2y$hash', 'top-level-token', 'top-secret']) expect(lines[0]).not.toContain(value);
    // the caller's object is left alone
    expect(object.headers.authorization).toBe('Basic c2VjcmV0');
    expect(scrubSecrets(object.nested.deeper[0])).not.toBe(object.nested.deeper[0]);
    // without the extra name the custom header is an ordinary member
    const plain: string[] = [];
    createLogger('info', new Writable({ write: (chunk, _enc, done) => done(void plain.push(String(chunk))) })).info({ 'x-roster-auth': 'v' }, 'x');
    expect(JSON.parse(plain[0])['x-roster-auth']).toBe('v');
  });
});

describe('output format', () => {
  function capture(isTTY: boolean) {
    const lines: string[] = [];
    const sink = Object.assign(new Writable({ write: (chunk, _enc, done) => done(void lines.push(String(chunk))) }), { isTTY });
    return { sink, lines };
  }

  test('auto: JSON lines unless the destination is a terminal; json and pretty force it', () => {
    const file = capture(false);
    createLogger('info', file.sink).info({ requestId: 'r', password: 'pw-in-pretty' }, 'request completed');
    expect(JSON.parse(file.lines.join(''))).toMatchObject({ msg: 'request completed', requestId: 'r', password: '[redacted]' });

    const tty = capture(true);
    createLogger('info', tty.sink).info({ requestId: 'r', password: 'pw-in-pretty' }, 'request completed');
    const text = tty.lines.join('');
    expect(() => JSON.parse(text)).toThrow();
    expect(text).toContain('request completed');
    expect(text).not.toContain('pw-in-pretty');

    const forcedJson = capture(true);
    createLogger('info', forcedJson.sink, { format: 'json' }).info({ requestId: 'r' }, 'hello');
    expect(JSON.parse(forcedJson.lines.join(''))).toMatchObject({ msg: 'hello' });

    const forcedPretty = capture(false);
    createLogger('info', forcedPretty.sink, { format: 'pretty' }).info({ requestId: 'r' }, 'hello');
    expect(forcedPretty.lines.join('')).toMatch(/INFO.*hello/);
    expect(forcedPretty.lines.join('')).not.toMatch(/\u001b\[/); // no colours off a terminal
  });

  test('LOG_FORMAT is read and checked', async () => {
    const { loadConfig } = await import('../../src/config');
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });
});

test('a client that goes away before the answer is logged once as aborted', async () => {
  const net = await import('node:net');
  const server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as { port: number };
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    // a body announced but never sent: the endpoint waits for it
    socket.write('POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nX-Request-Id: log-aborted\r\n\r\n{"jsonrpc"');
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    for (let i = 0; i < 50 && !t.logs.some((line) => line.includes('"requestId":"log-aborted"')); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(requestLine('log-aborted')).toMatchObject({ level: 30, surface: 'rpc', outcome: 'aborted' });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
