/**
 * compat endpoint `/jsonrpc.php`: contract §1.1, §1.2, §1.4, §1.5, §2.1 and the compat examples of §14,
 * byte for byte.
 */
import { startTestApp, type TestApp } from '../helpers/app';
import {
  APPLICATION_ROLES,
  COMPAT_FORBIDDEN,
  COMPAT_INVALID_REQUEST,
  COMPAT_METHOD_NOT_FOUND,
  COMPAT_PARSE_ERROR,
  COMPAT_UNAUTHORIZED,
  COMPAT_WRONG,
  PROJECT_ROLES,
  bare,
  bytesOf,
  expectCompatEmpty,
  expectJson,
  sendBytes,
} from '../helpers/protocol';

const EP = '/jsonrpc.php';
const USER = ['user', 'password'] as const;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const usernames = async () => (await t.knex('users').select('username').orderBy('id')).map((r) => r.username as string);

describe('§14 application token examples (fresh database, exact bytes)', () => {
  test('createUser, binding failures, getUser, updateUser', async () => {
    const examples: [string, string][] = [
      ['{"jsonrpc":"2.0","method":"createUser","params":{"username":"biloute","password":"123456"},"id":1}', '{"jsonrpc":"2.0","result":2,"id":1}'],
      ['{"jsonrpc":"2.0","method":"createUser","params":["bob","secret1","Bob B","bob@example.com","app-manager"],"id":2}', '{"jsonrpc":"2.0","result":3,"id":2}'],
      ['{"jsonrpc":"2.0","method":"createUser","params":{"username":"biloute","password":"123456"},"id":3}', '{"jsonrpc":"2.0","result":false,"id":3}'],
      ['{"jsonrpc":"2.0","method":"createUser","params":{"username":"nopw"},"id":7}', COMPAT_WRONG('Wrong number of arguments', '7')],
      ['{"jsonrpc":"2.0","method":"createUser","params":{"username":"x1","foo":"bar"},"id":8}', COMPAT_WRONG('Missing argument: password', '8')],
      ['{"jsonrpc":"2.0","method":"createUser","params":["toomany","123456","n","e@x.com","app-user","x"],"id":11}', COMPAT_WRONG('Too many arguments', '11')],
      [
        '{"jsonrpc":"2.0","method":"getUser","params":{"user_id":"2"},"id":21}',
        '{"jsonrpc":"2.0","result":{"id":2,"username":"biloute","is_ldap_user":false,"name":"","email":"","google_id":null,"github_id":null,"notifications_enabled":false,"timezone":null,"language":null,"disable_login_form":false,"twofactor_activated":false,"notifications_filter":4,"nb_failed_login":0,"lock_expiration_date":0,"gitlab_id":null,"role":"app-user","is_active":true,"avatar_path":null,"filter":null,"theme":"light"},"id":21}',
      ],
      ['{"jsonrpc":"2.0","method":"getUser","params":{"user_id":9999},"id":22}', '{"jsonrpc":"2.0","result":null,"id":22}'],
      ['{"jsonrpc":"2.0","method":"updateUser","params":{"id":2},"id":41}', '{"jsonrpc":"2.0","result":false,"id":41}'],
    ];
    for (const [body, answer] of examples) expectJson(await t.call(EP, body), 200, answer);
    expect(await usernames()).toEqual(['admin', 'biloute', 'bob']);
    const bob = await t.knex('users').where({ username: 'bob' }).first();
    expect([bob.name, bob.email, bob.role, bob.password === 'secret1']).toEqual(['Bob B', 'bob@example.com', 'app-manager', false]);
  });

  test('protocol examples: truncated JSON, notification with id null, wrong token', async () => {
    expectJson(await t.call(EP, '{"jsonrpc":"2.0","method":"getVersion","id":1', 'none'), 200, COMPAT_PARSE_ERROR);
    expectCompatEmpty(await t.call(EP, '{"jsonrpc":"2.0","method":"getApplicationRoles","id":null}'));
    const res = await t.call(EP, '{"jsonrpc":"2.0","method":"getProjectRoles","id":1}', ['jsonrpc', 'wrong-token']);
    expectJson(res, 401, COMPAT_UNAUTHORIZED);
    expect(res.headers['www-authenticate']).toBe('Basic realm="JsonRPC"');
  });

  test('user credentials (an app-user): getAllUsers → HTTP 403', async () => {
    await t.createUser(USER[0], USER[1]);
    expectJson(await t.call(EP, '{"jsonrpc":"2.0","method":"getAllUsers","id":11}', USER), 403, COMPAT_FORBIDDEN);
  });
});

describe('§1.1 endpoint properties', () => {
  test.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x'])(
    'request Content-Type %s is ignored',
    async (type) => {
      const res = await bare(t, 'post', EP).set('Content-Type', type).send('{"jsonrpc":"2.0","method":"getTimezone","id":5}');
      expectJson(res, 200, '{"jsonrpc":"2.0","result":"UTC","id":5}');
    },
  );

  test('no request Content-Type at all is accepted', async () => {
    const res = await bare(t, 'post', EP).send(Buffer.from('{"jsonrpc":"2.0","method":"getTimezone","id":6}'));
    expectJson(res, 200, '{"jsonrpc":"2.0","result":"UTC","id":6}');
  });

  test('a bodiless GET is an empty body → -32700 without authentication', async () => {
    expectJson(await bare(t, 'get', EP, false), 200, COMPAT_PARSE_ERROR);
  });

  test.each(['put', 'patch', 'delete'] as const)('HTTP %s with a JSON body is served like POST', async (method) => {
    const res = await bare(t, method, EP).set('Content-Type', 'application/json').send('{"jsonrpc":"2.0","method":"getDefaultTaskColor","id":"m"}');
    expectJson(res, 200, '{"jsonrpc":"2.0","result":"yellow","id":"m"}');
  });

  test('non-ASCII characters and "/" are written unescaped', async () => {
    const res = await t.call(EP, '{"jsonrpc":"2.0","method":"getTimezone","id":"é/ü/日本"}');
    expectJson(res, 200, '{"jsonrpc":"2.0","result":"UTC","id":"é/ü/日本"}');
  });
});

describe('§1.2 single request validation', () => {
  test.each([
    ['empty body', ''],
    ['whitespace only', ' \t\r\n  '],
    ['invalid JSON', '{jsonrpc:"2.0"}'],
    ['truncated JSON', '[{"jsonrpc":"2.0","method":"getVersion","id":1}'],
    ['trailing garbage', '{"jsonrpc":"2.0","method":"getVersion","id":1} x'],
    ['scalar 123', '123'],
    ['scalar "x"', '"x"'],
    ['scalar true', 'true'],
    ['scalar null', 'null'],
  ])('%s → -32700, no authentication needed', async (_name, body) => {
    expectJson(await t.call(EP, body, 'none'), 200, COMPAT_PARSE_ERROR);
  });

  const ID = '{"jsonrpc":"2.0","method":"getVersion","id":"';
  test.each([
    ['0xff byte inside a string', bytesOf(ID, [0xff], '"}')],
    ['overlong encoding of "/"', bytesOf(ID, [0xc0, 0xaf], '"}')],
    ['encoded surrogate', bytesOf(ID, [0xed, 0xa0, 0x80], '"}')],
    ['truncated multi-byte sequence', bytesOf(ID, [0xe6, 0x97], '"}')],
  ])('invalid UTF-8 (%s) → -32700', async (_name, body) => {
    const res = await sendBytes(bare(t, 'post', EP, false).set('Content-Type', 'application/json'), body);
    expectJson(res, 200, COMPAT_PARSE_ERROR);
  });

  test('valid multi-byte UTF-8 sent as bytes is accepted', async () => {
    const res = await sendBytes(bare(t, 'post', EP).set('Content-Type', 'application/json'), Buffer.from(`${ID}日本"}`));
    expectJson(res, 200, '{"jsonrpc":"2.0","result":"1.2.53","id":"日本"}');
  });

  test.each([
    ['jsonrpc missing', '{"method":"getVersion","id":1}'],
    ['jsonrpc "1.0"', '{"jsonrpc":"1.0","method":"getVersion","id":1}'],
    ['jsonrpc number 2.0', '{"jsonrpc":2.0,"method":"getVersion","id":1}'],
    ['jsonrpc "2.0 "', '{"jsonrpc":"2.0 ","method":"getVersion","id":1}'],
    ['method missing', '{"jsonrpc":"2.0","id":1}'],
    ['method number', '{"jsonrpc":"2.0","method":1,"id":1}'],
    ['method null', '{"jsonrpc":"2.0","method":null,"id":1}'],
    ['method array', '{"jsonrpc":"2.0","method":["getVersion"],"id":1}'],
    ['params string', '{"jsonrpc":"2.0","method":"getVersion","params":"x","id":1}'],
    ['params number', '{"jsonrpc":"2.0","method":"getVersion","params":5,"id":1}'],
    ['params true', '{"jsonrpc":"2.0","method":"getVersion","params":true,"id":1}'],
    ['invalid shape without id', '{"jsonrpc":"1.0","method":"getVersion"}'],
    ['invalid shape with id null', '{"jsonrpc":"2.0","method":7,"id":null}'],
  ])('%s → -32600 with id null, no authentication needed', async (_name, body) => {
    expectJson(await t.call(EP, body, 'none'), 200, COMPAT_INVALID_REQUEST);
  });

  test('params null is treated as absent', async () => {
    expectJson(await t.call(EP, '{"jsonrpc":"2.0","method":"getVersion","params":null,"id":1}'), 200, '{"jsonrpc":"2.0","result":"1.2.53","id":1}');
    expectJson(await t.call(EP, '{"jsonrpc":"2.0","method":"getUser","params":null,"id":2}'), 200, COMPAT_WRONG('Wrong number of arguments', '2'));
  });

  test.each(['"abc"', '42', '0', '-7', '1.5', 'true', 'false', '{"a":[1,{"b":null}]}', '[1,"two"]', '""'])(
    'id %s is echoed verbatim',
    async (id) => {
      const res = await t.call(EP, `{"jsonrpc":"2.0","method":"getDefaultTaskColor","id":${id}}`);
      expectJson(res, 200, `{"jsonrpc":"2.0","result":"yellow","id":${JSON.stringify(JSON.parse(id))}}`);
    },
  );

  test('other members are ignored', async () => {
    const res = await t.call(EP, '{"jsonrpc":"2.0","extra":{"x":1},"method":"getTimezone","auth":"no","id":3}');
    expectJson(res, 200, '{"jsonrpc":"2.0","result":"UTC","id":3}');
  });
});

describe('§1.4 notifications', () => {
  test('a lone notification without id runs and answers HTTP 200 with an empty body', async () => {
    expectCompatEmpty(await t.call(EP, { jsonrpc: '2.0', method: 'createUser', params: ['notified-1', 'secret1'] }));
    expectCompatEmpty(await t.call(EP, { jsonrpc: '2.0', method: 'createUser', params: ['notified-2', 'secret1'], id: null }));
    expect(await usernames()).toEqual(expect.arrayContaining(['notified-1', 'notified-2']));
  });

  test.each([
    ['unknown method', { jsonrpc: '2.0', method: 'nope' }],
    ['binding failure', { jsonrpc: '2.0', method: 'getUser', params: [1, 2] }],
    ['failure value', { jsonrpc: '2.0', method: 'createUser', params: ['admin', 'secret1'], id: null }],
    ['case-folded name', { jsonrpc: '2.0', method: 'GETVERSION' }],
  ])('failures are silent (%s)', async (_name, body) => {
    expectCompatEmpty(await t.call(EP, body));
  });

  test('an invalid-shape notification is still answered with -32600', async () => {
    expectJson(await t.call(EP, { jsonrpc: '2.0', method: 'getVersion', params: 'x' }), 200, COMPAT_INVALID_REQUEST);
  });

  test('401 and 403 replace the answer of a notification', async () => {
    const unauth = await t.call(EP, { jsonrpc: '2.0', method: 'getVersion' }, 'none');
    expectJson(unauth, 401, COMPAT_UNAUTHORIZED);
    expect(unauth.headers['www-authenticate']).toBe('Basic realm="JsonRPC"');
    expectJson(await t.call(EP, { jsonrpc: '2.0', method: 'getMe' }), 403, COMPAT_FORBIDDEN);
    expectJson(await t.call(EP, { jsonrpc: '2.0', method: 'createUser', params: ['by-app-user', 'secret1'] }, USER), 403, COMPAT_FORBIDDEN);
    expect(await usernames()).not.toContain('by-app-user');
  });
});

describe('§1.5 method names', () => {
  test.each(['GETUSER', 'getuser', 'GetUser', 'gEtUsEr'])('%s runs getUser (case-insensitive)', async (method) => {
    const res = await t.call(EP, { jsonrpc: '2.0', method, params: [1], id: 9 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ jsonrpc: '2.0', result: expect.objectContaining({ id: 1, username: 'admin' }), id: 9 });
  });

  test('later checks use the canonical name: "GETME" with the app token → 403, with user credentials → the user', async () => {
    expectJson(await t.call(EP, { jsonrpc: '2.0', method: 'GETME', id: 1 }), 403, COMPAT_FORBIDDEN);
    expectJson(await t.call(EP, { jsonrpc: '2.0', method: 'getallusers', id: 1 }, USER), 403, COMPAT_FORBIDDEN);
    const me = await t.call(EP, { jsonrpc: '2.0', method: 'getme', id: 2 }, USER);
    expect(me.body).toEqual({ jsonrpc: '2.0', result: expect.objectContaining({ username: 'user', role: 'app-user' }), id: 2 });
  });

  test.each([
    'toString',
    '__proto__',
    'constructor',
    'hasOwnProperty',
    'valueOf',
    '__defineGetter__',
    'rpc.foo',
    'rpc.',
    'nope',
    '',
    'getVersion ',
    'getDefaultTas\u212aColor', // KELVIN SIGN folds to "k" in Unicode, not in ASCII
    'getVersıon', // dotless i
    'getMyDashboard',
    'getAllTasks',
  ])('%j → -32601 with the request id', async (method) => {
    const res = await t.call(EP, { jsonrpc: '2.0', method, id: 'x-1' });
    expectJson(res, 200, COMPAT_METHOD_NOT_FOUND('"x-1"'));
  });

  test('an unknown method without credentials → 401, nothing checked before authentication', async () => {
    expectJson(await t.call(EP, { jsonrpc: '2.0', method: 'nope', id: 1 }, 'none'), 401, COMPAT_UNAUTHORIZED);
    expectJson(await t.call(EP, { jsonrpc: '2.0', method: 'nope', id: 1 }, ['user', 'bad-password']), 401, COMPAT_UNAUTHORIZED);
  });
});

describe('§2.1 compat binding', () => {
  test('positional object {"0":…,"1":…} binds by position; omitted trailing params take their defaults', async () => {
    const res = await t.call(EP, '{"jsonrpc":"2.0","method":"createUser","params":{"0":"positional","1":"secret1"},"id":1}');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ jsonrpc: '2.0', result: expect.any(Number), id: 1 });
    const row = await t.knex('users').where({ id: res.body.result }).first();
    expect([row.username, row.name, row.email, row.role, row.is_active]).toEqual(['positional', '', '', 'app-user', true]);
  });

  test('keys "1","0" out of order bind by name → Missing argument: username', async () => {
    const res = await t.call(EP, '{"jsonrpc":"2.0","method":"createUser","params":{"1":"secret1","0":"unordered"},"id":2}');
    expectJson(res, 200, COMPAT_WRONG('Missing argument: username', '2'));
  });

  test('keys "0","2" are not "0".."n-1" → bound by name → Missing argument: username', async () => {
    const res = await t.call(EP, '{"jsonrpc":"2.0","method":"createUser","params":{"0":"gap","2":"secret1"},"id":2}');
    expectJson(res, 200, COMPAT_WRONG('Missing argument: username', '2'));
  });

  test.each([
    ['{"jsonrpc":"2.0","method":"getUser","id":3}', 'Wrong number of arguments'],
    ['{"jsonrpc":"2.0","method":"getUser","params":[],"id":3}', 'Wrong number of arguments'],
    ['{"jsonrpc":"2.0","method":"getUser","params":{},"id":3}', 'Wrong number of arguments'],
    ['{"jsonrpc":"2.0","method":"getUser","params":[1,2],"id":3}', 'Too many arguments'],
    ['{"jsonrpc":"2.0","method":"getUser","params":{"user_id":1,"x":2},"id":3}', 'Too many arguments'],
    ['{"jsonrpc":"2.0","method":"getVersion","params":{"a":1},"id":3}', 'Too many arguments'],
    ['{"jsonrpc":"2.0","method":"getVersion","params":[null],"id":3}', 'Too many arguments'],
    ['{"jsonrpc":"2.0","method":"getUser","params":{"id":1},"id":3}', 'Missing argument: user_id'],
    ['{"jsonrpc":"2.0","method":"createUser","params":{"password":"secret1","name":"n"},"id":3}', 'Missing argument: username'],
  ])('%s → %s', async (body, data) => {
    expectJson(await t.call(EP, body), 200, COMPAT_WRONG(data, '3'));
  });

  test('params absent, [] and {} mean no arguments', async () => {
    for (const params of ['', ',"params":[]', ',"params":{}']) {
      expectJson(await t.call(EP, `{"jsonrpc":"2.0","method":"getApplicationRoles"${params},"id":4}`), 200, `{"jsonrpc":"2.0","result":${APPLICATION_ROLES},"id":4}`);
    }
  });

  test('binding errors echo the request id and need authentication first', async () => {
    expectJson(await t.call(EP, '{"jsonrpc":"2.0","method":"getUser","id":"abc"}', 'none'), 401, COMPAT_UNAUTHORIZED);
    expectJson(await t.call(EP, '{"jsonrpc":"2.0","method":"getUser","id":"abc"}'), 200, COMPAT_WRONG('Wrong number of arguments', '"abc"'));
  });

  test('app-level access precedes binding: app-user with wrong params → 403', async () => {
    expectJson(await t.call(EP, '{"jsonrpc":"2.0","method":"getUser","params":[1,2,3],"id":5}', USER), 403, COMPAT_FORBIDDEN);
  });

  test('getProjectRoles answers the built-ins in order', async () => {
    expectJson(await t.call(EP, '{"jsonrpc":"2.0","method":"getProjectRoles","id":6}'), 200, `{"jsonrpc":"2.0","result":${PROJECT_ROLES},"id":6}`);
  });
});
