/**
 * strict endpoint `/rpc`: contract §1.1, §1.2, §1.4, §1.5, §2.1 (ajv details) and the strict examples
 * of §14, byte for byte.
 */
import { startTestApp, type TestApp } from '../helpers/app';
import {
  APPLICATION_ROLES,
  STRICT_INVALID_REQUEST,
  STRICT_METHOD_NOT_ALLOWED,
  STRICT_METHOD_NOT_FOUND,
  STRICT_PARSE_ERROR,
  STRICT_UNAUTHENTICATED,
  STRICT_UNSUPPORTED_MEDIA_TYPE,
  bare,
  bytesOf,
  expectJson,
  expectNoContent,
  sendBytes,
} from '../helpers/protocol';

const EP = '/rpc';
const USER = ['user', 'password'] as const;
const INVALID_PARAMS = (errors: unknown[], id: string) =>
  `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":{"reason":"invalid_params","errors":${JSON.stringify(errors)}}},"id":${id}}`;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  await t.createUser('biloute', '123456'); // id 2, as in §14
  await t.createUser(USER[0], USER[1]);
});
afterAll(() => t.close());

const usernames = async () => (await t.knex('users').select('username').orderBy('id')).map((r) => r.username as string);

describe('§14 strict examples (exact bytes)', () => {
  test.each([
    [
      '{"jsonrpc":"2.0","method":"createUser","params":{"username":"shortpw","password":"12345"},"id":4}',
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":{"reason":"invalid_params","errors":[{"instancePath":"/password","keyword":"minLength","message":"must NOT have fewer than 6 characters"}]}},"id":4}',
    ],
    [
      '{"jsonrpc":"2.0","method":"createUser","params":{"username":"biloute","password":"123456"},"id":3}',
      '{"jsonrpc":"2.0","error":{"code":-32002,"message":"Already exists","data":{"reason":"already_exists","resource":"user","field":"username"}},"id":3}',
    ],
    [
      '{"jsonrpc":"2.0","method":"getUser","params":[9999],"id":22}',
      '{"jsonrpc":"2.0","error":{"code":-32001,"message":"Not found","data":{"reason":"not_found","resource":"user","id":9999}},"id":22}',
    ],
    [
      '{"jsonrpc":"2.0","method":"getMe","id":60}',
      '{"jsonrpc":"2.0","error":{"code":-32003,"message":"Forbidden","data":{"reason":"user_credentials_required"}},"id":60}',
    ],
    [
      '{"jsonrpc":"2.0","method":"getUser","params":{"id":2},"id":26}',
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":{"reason":"invalid_params","errors":[{"instancePath":"","keyword":"required","message":"must have required property \'user_id\'"},{"instancePath":"","keyword":"additionalProperties","message":"must NOT have additional properties"}]}},"id":26}',
    ],
    [
      '{"jsonrpc":"2.0","method":"searchUsers","params":{"limit":1000},"id":10}',
      '{"jsonrpc":"2.0","error":{"code":-32007,"message":"Limit exceeded","data":{"reason":"page_size_too_large","limit":500}},"id":10}',
    ],
  ])('application token: %s', async (body, answer) => {
    expectJson(await t.call(EP, body), 200, answer);
  });

  test('no user was created by the failing createUser examples', async () => {
    expect(await usernames()).toEqual(['admin', 'biloute', 'user']);
  });

  test('getAllUsers as an app-user → -32003 required app-admin', async () => {
    const res = await t.call(EP, '{"jsonrpc":"2.0","method":"getAllUsers","id":11}', USER);
    expectJson(res, 200, '{"jsonrpc":"2.0","error":{"code":-32003,"message":"Forbidden","data":{"reason":"forbidden","required":"app-admin"}},"id":11}');
  });

  test('getMe with a wrong password → HTTP 401 -32004', async () => {
    const res = await t.call(EP, '{"jsonrpc":"2.0","method":"getMe","id":70}', [USER[0], 'wrong-password']);
    expectJson(res, 401, STRICT_UNAUTHENTICATED);
    expect(res.headers['www-authenticate']).toBe('Basic realm="JsonRPC"');
  });

  test('a notification → HTTP 204', async () => {
    expectNoContent(await t.call(EP, '{"jsonrpc":"2.0","method":"getApplicationRoles"}'));
  });

  test('searchUsers "BIL" finds biloute', async () => {
    const res = await t.call(EP, '{"jsonrpc":"2.0","method":"searchUsers","params":{"query":"BIL"},"id":9}');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^\{"jsonrpc":"2\.0","result":\{"items":\[\{"id":2,"username":"biloute",.*\}\],"next_cursor":null\},"id":9\}$/);
    expect(res.body.result.items).toHaveLength(1);
  });
});

describe('§1.1 endpoint properties', () => {
  test.each(['get', 'put', 'patch', 'delete'] as const)('HTTP %s → 405 with Allow: POST, no authentication needed', async (method) => {
    const res = await bare(t, method, EP, false).set('Content-Type', 'application/json').send('{"jsonrpc":"2.0","method":"getVersion","id":1}');
    expectJson(res, 405, STRICT_METHOD_NOT_ALLOWED);
    expect(res.headers.allow).toBe('POST');
  });

  test('a bodiless GET → 405', async () => {
    const res = await bare(t, 'get', EP);
    expectJson(res, 405, STRICT_METHOD_NOT_ALLOWED);
    expect(res.headers.allow).toBe('POST');
  });

  test.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'text/json', 'application/json-rpc', 'application/jsonx', 'application/*'])(
    'Content-Type %s → 415',
    async (type) => {
      const res = await bare(t, 'post', EP, false).set('Content-Type', type).send('{"jsonrpc":"2.0","method":"getVersion","id":1}');
      expectJson(res, 415, STRICT_UNSUPPORTED_MEDIA_TYPE);
    },
  );

  test('a missing Content-Type → 415', async () => {
    const res = await sendBytes(bare(t, 'post', EP), Buffer.from('{"jsonrpc":"2.0","method":"getVersion","id":1}'));
    expect((res as unknown as { req: { getHeader(name: string): unknown } }).req.getHeader('content-type')).toBeUndefined();
    expectJson(res, 415, STRICT_UNSUPPORTED_MEDIA_TYPE);
  });

  test.each(['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json; foo=bar'])(
    'Content-Type %s is accepted',
    async (type) => {
      const res = await bare(t, 'post', EP).set('Content-Type', type).send('{"jsonrpc":"2.0","method":"getTimezone","id":1}');
      expectJson(res, 200, '{"jsonrpc":"2.0","result":"UTC","id":1}');
    },
  );

  test('non-ASCII characters and "/" are written unescaped', async () => {
    expectJson(await t.call(EP, '{"jsonrpc":"2.0","method":"getTimezone","id":"é/ü/日本"}'), 200, '{"jsonrpc":"2.0","result":"UTC","id":"é/ü/日本"}');
  });
});

describe('§1.2 single request validation', () => {
  test.each([
    ['empty body', ''],
    ['whitespace only', ' \n\t '],
    ['invalid JSON', "{'jsonrpc':'2.0'}"],
    ['truncated JSON', '{"jsonrpc":"2.0","method":"getVersion","id":1'],
    ['trailing garbage', '{"jsonrpc":"2.0","method":"getVersion","id":1}}'],
  ])('%s → -32700 parse_error, no authentication needed', async (_name, body) => {
    expectJson(await t.call(EP, body, 'none'), 200, STRICT_PARSE_ERROR);
  });

  test.each([
    ['0xff byte', [0xff]],
    ['overlong encoding', [0xc0, 0xaf]],
    ['encoded surrogate', [0xed, 0xa0, 0x80]],
    ['truncated sequence', [0xe6, 0x97]],
  ])('invalid UTF-8 (%s) → -32700', async (_name, raw) => {
    const body = bytesOf('{"jsonrpc":"2.0","method":"getVersion","id":"', raw as number[], '"}');
    const res = await sendBytes(bare(t, 'post', EP, false).set('Content-Type', 'application/json'), body);
    expectJson(res, 200, STRICT_PARSE_ERROR);
  });

  test.each([
    ['scalar 123', '123'],
    ['scalar "x"', '"x"'],
    ['scalar true', 'true'],
    ['scalar null', 'null'],
    ['jsonrpc missing', '{"method":"getVersion","id":1}'],
    ['jsonrpc "1.0"', '{"jsonrpc":"1.0","method":"getVersion","id":1}'],
    ['jsonrpc number', '{"jsonrpc":2,"method":"getVersion","id":1}'],
    ['method missing', '{"jsonrpc":"2.0","id":1}'],
    ['method number', '{"jsonrpc":"2.0","method":5,"id":1}'],
    ['method object', '{"jsonrpc":"2.0","method":{},"id":1}'],
    ['params null', '{"jsonrpc":"2.0","method":"getVersion","params":null,"id":1}'],
    ['params string', '{"jsonrpc":"2.0","method":"getVersion","params":"x","id":1}'],
    ['params number', '{"jsonrpc":"2.0","method":"getVersion","params":0,"id":1}'],
    ['params false', '{"jsonrpc":"2.0","method":"getVersion","params":false,"id":1}'],
    ['id object', '{"jsonrpc":"2.0","method":"getVersion","id":{"a":1}}'],
    ['id array', '{"jsonrpc":"2.0","method":"getVersion","id":[1]}'],
    ['id boolean', '{"jsonrpc":"2.0","method":"getVersion","id":true}'],
    ['invalid shape without id', '{"jsonrpc":"2.0","method":"getVersion","params":7}'],
  ])('%s → -32600 invalid_request with id null, no authentication needed', async (_name, body) => {
    expectJson(await t.call(EP, body, 'none'), 200, STRICT_INVALID_REQUEST);
  });

  test.each(['"abc"', '42', '0', '-7', '1.5', '""'])('id %s is echoed', async (id) => {
    expectJson(await t.call(EP, `{"jsonrpc":"2.0","method":"getDefaultTaskColor","id":${id}}`), 200, `{"jsonrpc":"2.0","result":"yellow","id":${id}}`);
  });

  test('id null is a normal request answered with id null', async () => {
    expectJson(await t.call(EP, '{"jsonrpc":"2.0","method":"getDefaultTaskColor","id":null}'), 200, '{"jsonrpc":"2.0","result":"yellow","id":null}');
    const res = await t.call(EP, '{"jsonrpc":"2.0","method":"createUser","params":["id-null-user","secret1"],"id":null}');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ jsonrpc: '2.0', result: expect.any(Number), id: null });
    expect(await usernames()).toContain('id-null-user');
  });

  test('other members are ignored', async () => {
    expectJson(await t.call(EP, '{"id":3,"method":"getTimezone","foo":null,"jsonrpc":"2.0"}'), 200, '{"jsonrpc":"2.0","result":"UTC","id":3}');
  });
});

describe('§1.4 notifications', () => {
  test('a notification runs and answers 204', async () => {
    expectNoContent(await t.call(EP, { jsonrpc: '2.0', method: 'createUser', params: { username: 'notified', password: 'secret1' } }));
    expect(await usernames()).toContain('notified');
  });

  test.each([
    ['unknown method', { jsonrpc: '2.0', method: 'nope' }],
    ['invalid params', { jsonrpc: '2.0', method: 'getUser', params: ['abc'] }],
    ['not found', { jsonrpc: '2.0', method: 'getUser', params: [9999] }],
    ['already exists', { jsonrpc: '2.0', method: 'createUser', params: ['admin', 'secret1'] }],
    ['forbidden (Me with the app token)', { jsonrpc: '2.0', method: 'getMe' }],
  ])('failures are silent: %s → 204', async (_name, body) => {
    expectNoContent(await t.call(EP, body));
  });

  test('a forbidden notification in user mode is silent and does not run', async () => {
    expectNoContent(await t.call(EP, { jsonrpc: '2.0', method: 'createUser', params: ['by-app-user', 'secret1'] }, USER));
    expect(await usernames()).not.toContain('by-app-user');
  });

  test('an authentication failure still answers 401 -32004', async () => {
    const res = await t.call(EP, { jsonrpc: '2.0', method: 'getVersion' }, 'none');
    expectJson(res, 401, STRICT_UNAUTHENTICATED);
    expect(res.headers['www-authenticate']).toBe('Basic realm="JsonRPC"');
  });
});

describe('§1.5 method names', () => {
  test.each(['GETUSER', 'getuser', 'GetUser', 'getVersion '])('%j → -32601 (case-sensitive)', async (method) => {
    expectJson(await t.call(EP, { jsonrpc: '2.0', method, params: [1], id: 7 }), 200, STRICT_METHOD_NOT_FOUND('7'));
  });

  test.each(['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf', 'rpc.foo', 'rpc.', '', 'getMyDashboard'])(
    '%j → -32601 with the request id',
    async (method) => {
      expectJson(await t.call(EP, { jsonrpc: '2.0', method, id: 'm-1' }), 200, STRICT_METHOD_NOT_FOUND('"m-1"'));
    },
  );

  test('an unknown method without valid credentials → 401', async () => {
    expectJson(await t.call(EP, { jsonrpc: '2.0', method: 'nope', id: 1 }, 'none'), 401, STRICT_UNAUTHENTICATED);
    expectJson(await t.call(EP, { jsonrpc: '2.0', method: 'nope', id: 1 }, ['jsonrpc', 'wrong']), 401, STRICT_UNAUTHENTICATED);
  });

  test('the exact name runs', async () => {
    expectJson(await t.call(EP, { jsonrpc: '2.0', method: 'getApplicationRoles', id: 1 }), 200, `{"jsonrpc":"2.0","result":${APPLICATION_ROLES},"id":1}`);
  });
});

describe('§2.1 strict binding (ajv)', () => {
  test('positional object {"0":…,"1":…} is named params: unknown keys and missing required', async () => {
    const res = await t.call(EP, '{"jsonrpc":"2.0","method":"createUser","params":{"0":"positional","1":"secret1"},"id":1}');
    const errors = [
      { instancePath: '', keyword: 'required', message: "must have required property 'username'" },
      { instancePath: '', keyword: 'required', message: "must have required property 'password'" },
      { instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' },
      { instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' },
    ];
    expectJson(res, 200, INVALID_PARAMS(errors, '1'));
    expect(await usernames()).not.toContain('positional');
  });

  test('positional array: instancePath uses the parameter names', async () => {
    const res = await t.call(EP, '{"jsonrpc":"2.0","method":"createUser","params":["pos-short","12345"],"id":2}');
    expectJson(res, 200, INVALID_PARAMS([{ instancePath: '/password', keyword: 'minLength', message: 'must NOT have fewer than 6 characters' }], '2'));
    const role = await t.call(EP, '{"jsonrpc":"2.0","method":"createUser","params":["pos-role","123456","","","boss"],"id":3}');
    expectJson(role, 200, INVALID_PARAMS([{ instancePath: '/role', keyword: 'enum', message: 'must be equal to one of the allowed values' }], '3'));
    const email = await t.call(EP, '{"jsonrpc":"2.0","method":"createUser","params":["pos-mail","123456","","not-an-email"],"id":4}');
    expectJson(email, 200, INVALID_PARAMS([{ instancePath: '/email', keyword: 'format', message: 'must match format "email"' }], '4'));
  });

  test('too many positional params → maxItems on the whole params value', async () => {
    const res = await t.call(EP, '{"jsonrpc":"2.0","method":"createUser","params":["toomany","123456","n","e@x.com","app-user","x"],"id":5}');
    expectJson(res, 200, INVALID_PARAMS([{ instancePath: '', keyword: 'maxItems', message: 'must NOT have more than 5 items' }], '5'));
    const none = await t.call(EP, '{"jsonrpc":"2.0","method":"getVersion","params":[1],"id":6}');
    expectJson(none, 200, INVALID_PARAMS([{ instancePath: '', keyword: 'maxItems', message: 'must NOT have more than 0 items' }], '6'));
  });

  test.each(['', ',"params":[]', ',"params":{}'])('missing required parameter (params%s) → required at ""', async (params) => {
    const res = await t.call(EP, `{"jsonrpc":"2.0","method":"getUser"${params},"id":7}`);
    expectJson(res, 200, INVALID_PARAMS([{ instancePath: '', keyword: 'required', message: "must have required property 'user_id'" }], '7'));
  });

  test('an unknown key on a procedure without params → additionalProperties', async () => {
    const res = await t.call(EP, '{"jsonrpc":"2.0","method":"getVersion","params":{"a":1},"id":8}');
    expectJson(res, 200, INVALID_PARAMS([{ instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' }], '8'));
  });

  test('app-level access precedes binding: app-user with wrong params → -32003', async () => {
    const res = await t.call(EP, '{"jsonrpc":"2.0","method":"getUser","params":[1,2,3],"id":9}', USER);
    expectJson(res, 200, '{"jsonrpc":"2.0","error":{"code":-32003,"message":"Forbidden","data":{"reason":"forbidden","required":"app-admin"}},"id":9}');
  });
});
