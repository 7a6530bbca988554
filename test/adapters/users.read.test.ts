/** getUser, getUserByName, getAllUsers, isActiveUser and the App procedures at both endpoints (§7.1, §7.7, §14). */
import { ADMIN, startTestApp, type TestApp } from '../helpers/app';
import {
  COMPAT,
  STRICT,
  adminObject,
  err,
  expectBoth,
  expectFailure,
  expectNoSecrets,
  invalidParams,
  notFound,
  ok,
  rawCall,
  userObject,
} from '../helpers/users';

let t: TestApp;
let biloute: number;
let bobB: number;
let upper: number;
let disabled: number;
beforeAll(async () => {
  t = await startTestApp();
  biloute = await t.createUser('biloute', '123456');
  upper = await t.createUser('BILOUTE', 'secret1', { name: 'Upper', email: 'upper@example.com', role: 'app-manager' });
  bobB = await t.createUser('Biloute B', 'secret1', { name: null, email: null });
  disabled = await t.createUser('sleepy', 'secret1');
  await t.knex('users').where({ id: disabled }).update({ is_active: false });
  // secrets that must never leave the database
  await t.knex('users').where({ id: biloute }).update({ api_access_token: 'a'.repeat(64), twofactor_secret: 'TWOFACTORSECRET1' });
});
afterAll(() => t.close());

const idError = (keyword: string, message: string) => invalidParams({ instancePath: '/user_id', keyword, message });

describe('getUser', () => {
  test('§14 example byte for byte (digit string id) at compat', async () => {
    const res = await t.call(COMPAT, '{"jsonrpc":"2.0","method":"getUser","params":{"user_id":"2"},"id":21}');
    expect(res.text).toBe(
      '{"jsonrpc":"2.0","result":{"id":2,"username":"biloute","is_ldap_user":false,"name":"","email":"","google_id":null,"github_id":null,"notifications_enabled":false,"timezone":null,"language":null,"disable_login_form":false,"twofactor_activated":false,"notifications_filter":4,"nb_failed_login":0,"lock_expiration_date":0,"gitlab_id":null,"role":"app-user","is_active":true,"avatar_path":null,"filter":null,"theme":"light"},"id":21}',
    );
    expect(biloute).toBe(2);
  });

  test('§14 unknown id examples', async () => {
    expect((await t.call(COMPAT, '{"jsonrpc":"2.0","method":"getUser","params":{"user_id":9999},"id":22}')).text).toBe(
      '{"jsonrpc":"2.0","result":null,"id":22}',
    );
    expect((await t.call(STRICT, '{"jsonrpc":"2.0","method":"getUser","params":[9999],"id":22}')).text).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32001,"message":"Not found","data":{"reason":"not_found","resource":"user","id":9999}},"id":22}',
    );
    expect((await t.call(STRICT, '{"jsonrpc":"2.0","method":"getUser","params":{"id":2},"id":26}')).text).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":{"reason":"invalid_params","errors":[{"instancePath":"","keyword":"required","message":"must have required property \'user_id\'"},{"instancePath":"","keyword":"additionalProperties","message":"must NOT have additional properties"}]}},"id":26}',
    );
  });

  test('by integer, digit string, positional array and positional object', async () => {
    const expected = userObject(upper, 'BILOUTE', { name: 'Upper', email: 'upper@example.com', role: 'app-manager' });
    await expectBoth(t, 'getUser', { user_id: upper }, expected);
    await expectBoth(t, 'getUser', { user_id: String(upper) }, expected);
    await expectBoth(t, 'getUser', [upper], expected);
    // keys "0".."n-1" are positional at compat only; strict reads them as names
    expect(await rawCall(t, COMPAT, 'getUser', { 0: upper })).toBe(ok(expected));
    expect(await rawCall(t, STRICT, 'getUser', { 0: upper })).toBe(
      err(
        invalidParams(
          { instancePath: '', keyword: 'required', message: "must have required property 'user_id'" },
          { instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' },
        ),
      ),
    );
    await expectBoth(t, 'getUser', [1], adminObject());
    await expectBoth(t, 'getUser', [bobB], userObject(bobB, 'Biloute B', { name: null, email: null }));
    await expectBoth(t, 'getUser', [disabled], userObject(disabled, 'sleepy', { is_active: false }));
  });

  test('the user with stored secrets has no secret member', async () => {
    const text = await rawCall(t, STRICT, 'getUser', [biloute]);
    expect(text).toBe(ok(userObject(biloute, 'biloute')));
    expect(text).not.toContain('aaaaaaaa');
    expect(text).not.toContain('TWOFACTORSECRET1');
  });

  test.each([
    ['"abc"', 'abc', 'pattern', 'must match pattern "^[0-9]{1,10}$"'],
    ['"99999999999"', '99999999999', 'pattern', 'must match pattern "^[0-9]{1,10}$"'],
    ['""', '', 'pattern', 'must match pattern "^[0-9]{1,10}$"'],
    ['0', 0, 'minimum', 'must be >= 1'],
    ['"0"', '0', 'minimum', 'must be >= 1'],
    ['-1', -1, 'minimum', 'must be >= 1'],
    ['2147483648', 2147483648, 'maximum', 'must be <= 2147483647'],
    ['"2147483648"', '2147483648', 'maximum', 'must be <= 2147483647'],
    ['2.5', 2.5, 'type', 'must be integer,string'],
    ['true', true, 'type', 'must be integer,string'],
    ['{}', {}, 'type', 'must be integer,string'],
    ['[]', [], 'type', 'must be integer,string'],
    ['null', null, 'type', 'must be integer,string'],
  ])('user_id %s → compat null, strict -32602', async (_label, value, keyword, message) => {
    await expectFailure(t, 'getUser', { user_id: value }, null, idError(keyword, message));
  });

  test('2147483647 is a valid id that does not exist', async () => {
    await expectFailure(t, 'getUser', [2147483647], null, notFound('user', 2147483647));
    await expectFailure(t, 'getUser', ['9999'], null, notFound('user', 9999));
  });

  test('binding errors', async () => {
    expect(await rawCall(t, COMPAT, 'getUser', [])).toBe(err({ code: -32602, message: 'Invalid params', data: 'Wrong number of arguments' }));
    expect(await rawCall(t, COMPAT, 'getUser', [1, 2])).toBe(err({ code: -32602, message: 'Invalid params', data: 'Too many arguments' }));
    expect(await rawCall(t, COMPAT, 'getUser', { id: 1 })).toBe(err({ code: -32602, message: 'Invalid params', data: 'Missing argument: user_id' }));
    expect(await rawCall(t, STRICT, 'getUser', [])).toBe(
      err(invalidParams({ instancePath: '', keyword: 'required', message: "must have required property 'user_id'" })),
    );
    expect(await rawCall(t, STRICT, 'getUser', [1, 2])).toBe(
      err(invalidParams({ instancePath: '', keyword: 'maxItems', message: 'must NOT have more than 1 items' })),
    );
  });
});

describe('getUserByName', () => {
  test('exact match', async () => {
    await expectBoth(t, 'getUserByName', ['biloute'], userObject(biloute, 'biloute'));
    await expectBoth(t, 'getUserByName', { username: 'Biloute B' }, userObject(bobB, 'Biloute B', { name: null, email: null }));
    await expectBoth(t, 'getUserByName', { username: 'admin' }, adminObject());
  });

  test.each([['BILOUTe'], ['Biloute'], [' biloute'], ['biloute '], ['biloute\n'], ['bil'], ['nobody'], ['']])('no match for %j (case-sensitive, untrimmed)', async (username) => {
    await expectFailure(t, 'getUserByName', { username }, null, notFound('user'));
  });

  test('a non-string username: compat null, strict type error', async () => {
    await expectFailure(t, 'getUserByName', { username: {} }, null, invalidParams({ instancePath: '/username', keyword: 'type', message: 'must be string' }));
  });

  test('compat turns a number into its text', async () => {
    const id = await t.createUser('12345', 'secret1');
    expect(await rawCall(t, COMPAT, 'getUserByName', [12345])).toBe(ok(userObject(id, '12345')));
    expect(await rawCall(t, STRICT, 'getUserByName', [12345])).toBe(
      err(invalidParams({ instancePath: '/username', keyword: 'type', message: 'must be string' })),
    );
    await t.knex('users').where({ id }).delete();
  });
});

describe('getAllUsers', () => {
  test('ordered by username in byte order', async () => {
    const all = [
      userObject(upper, 'BILOUTE', { name: 'Upper', email: 'upper@example.com', role: 'app-manager' }),
      userObject(bobB, 'Biloute B', { name: null, email: null }),
      adminObject(),
      userObject(biloute, 'biloute'),
      userObject(disabled, 'sleepy', { is_active: false }),
    ];
    await expectBoth(t, 'getAllUsers', undefined, all);
    await expectBoth(t, 'getAllUsers', [], all);
    await expectBoth(t, 'getAllUsers', {}, all);
  });

  test('byte order beyond ASCII letters: digits < upper < "_" < lower < non-ASCII', async () => {
    const extra = await Promise.all(['zz', 'éa', '_x', 'Zed', '9lives'].map((u) => t.createUser(u, 'secret1')));
    const text = await rawCall(t, STRICT, 'getAllUsers');
    expect(JSON.parse(text).result.map((u: { username: string }) => u.username)).toEqual([
      '9lives', 'BILOUTE', 'Biloute B', 'Zed', '_x', 'admin', 'biloute', 'sleepy', 'zz', 'éa',
    ]);
    await t.knex('users').whereIn('id', extra).delete();
  });

  test('strict refuses params; compat counts them', async () => {
    expect(await rawCall(t, STRICT, 'getAllUsers', [1])).toBe(
      err(invalidParams({ instancePath: '', keyword: 'maxItems', message: 'must NOT have more than 0 items' })),
    );
    expect(await rawCall(t, STRICT, 'getAllUsers', { x: 1 })).toBe(
      err(invalidParams({ instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' })),
    );
    expect(await rawCall(t, COMPAT, 'getAllUsers', [1])).toBe(err({ code: -32602, message: 'Invalid params', data: 'Too many arguments' }));
  });

  test('an app-user gets 403 / -32003', async () => {
    const res = await t.call(COMPAT, { jsonrpc: '2.0', method: 'getAllUsers', id: 11 }, ['biloute', '123456']);
    expect(res.status).toBe(403);
    expect(res.text).toBe('{"jsonrpc":"2.0","error":{"code":403,"message":"Forbidden"},"id":null}');
    const strict = await t.call(STRICT, { jsonrpc: '2.0', method: 'getAllUsers', id: 11 }, ['biloute', '123456']);
    expect(strict.text).toBe('{"jsonrpc":"2.0","error":{"code":-32003,"message":"Forbidden","data":{"reason":"forbidden","required":"app-admin"}},"id":11}');
  });
});

describe('isActiveUser', () => {
  test('active → true, disabled → false', async () => {
    await expectBoth(t, 'isActiveUser', [biloute], true);
    await expectBoth(t, 'isActiveUser', { user_id: String(disabled) }, false);
  });

  test('unknown → compat false, strict -32001', async () => {
    await expectFailure(t, 'isActiveUser', [9999], false, notFound('user', 9999));
  });

  test('invalid id → compat false, strict -32602', async () => {
    await expectFailure(t, 'isActiveUser', ['abc'], false, idError('pattern', 'must match pattern "^[0-9]{1,10}$"'));
    await expectFailure(t, 'isActiveUser', [0], false, idError('minimum', 'must be >= 1'));
  });
});

describe('App procedures', () => {
  const COLORS: [string, string, string, string][] = [
    ['yellow', 'Yellow', 'rgb(245, 247, 196)', 'rgb(223, 227, 45)'],
    ['blue', 'Blue', 'rgb(219, 235, 255)', 'rgb(168, 207, 255)'],
    ['green', 'Green', 'rgb(189, 244, 203)', 'rgb(74, 227, 113)'],
    ['purple', 'Purple', 'rgb(223, 176, 255)', 'rgb(205, 133, 254)'],
    ['red', 'Red', 'rgb(255, 187, 187)', 'rgb(255, 151, 151)'],
    ['orange', 'Orange', 'rgb(255, 215, 179)', 'rgb(255, 172, 98)'],
    ['grey', 'Grey', 'rgb(238, 238, 238)', 'rgb(204, 204, 204)'],
    ['brown', 'Brown', '#d7ccc8', '#4e342e'],
    ['deep_orange', 'Deep Orange', '#ffab91', '#e64a19'],
    ['dark_grey', 'Dark Grey', '#cfd8dc', '#455a64'],
    ['pink', 'Pink', '#f48fb1', '#d81b60'],
    ['teal', 'Teal', '#80cbc4', '#00695c'],
    ['cyan', 'Cyan', '#b2ebf2', '#00bcd4'],
    ['lime', 'Lime', '#e6ee9c', '#afb42b'],
    ['light_green', 'Light Green', '#dcedc8', '#689f38'],
    ['amber', 'Amber', '#ffe082', '#ffa000'],
  ];

  test('constants, byte for byte', async () => {
    await expectBoth(t, 'getVersion', undefined, '1.2.53');
    await expectBoth(t, 'getTimezone', undefined, 'UTC');
    await expectBoth(t, 'getApplicationRoles', undefined, { 'app-admin': 'Administrator', 'app-manager': 'Manager', 'app-user': 'User' });
    await expectBoth(t, 'getProjectRoles', [], {
      'project-manager': 'Project Manager',
      'project-member': 'Project Member',
      'project-viewer': 'Project Viewer',
    });
    await expectBoth(t, 'getDefaultTaskColor', {}, 'yellow');
  });

  test('getDefaultTaskColors and getColorList list the 16 colors in order', async () => {
    const colors = JSON.parse(await rawCall(t, STRICT, 'getDefaultTaskColors')).result;
    expect(Object.keys(colors)).toEqual(COLORS.map((c) => c[0]));
    await expectBoth(t, 'getDefaultTaskColors', undefined, Object.fromEntries(COLORS.map(([id, name, background, border]) => [id, { name, background, border }])));
    await expectBoth(t, 'getColorList', undefined, Object.fromEntries(COLORS.map(([id, name]) => [id, name])));
    expect(await rawCall(t, STRICT, 'getColorList')).toContain('"yellow":"Yellow","blue":"Blue"');
  });

  test('KANBOARD_VERSION changes getVersion; any authenticated user may call the constants', async () => {
    const other = await startTestApp({ env: { KANBOARD_VERSION: 'main.unknown_revision' } });
    try {
      expect(await rawCall(other, COMPAT, 'getVersion')).toBe(ok('main.unknown_revision'));
    } finally {
      await other.close();
    }
    const res = await t.call(STRICT, { jsonrpc: '2.0', method: 'getApplicationRoles', id: 5 }, ['biloute', '123456']);
    expect(res.text).toBe(ok({ 'app-admin': 'Administrator', 'app-manager': 'Manager', 'app-user': 'User' }, 5));
    const admin = await t.call(COMPAT, { jsonrpc: '2.0', method: 'getTimezone', id: 6 }, [ADMIN.username, ADMIN.password]);
    expect(admin.text).toBe(ok('UTC', 6));
  });
});

test('getMe of a user with stored secrets has no secret member', async () => {
  const res = await t.call(STRICT, { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['biloute', '123456']);
  expect(res.text).toBe(ok(userObject(biloute, 'biloute', { nb_failed_login: 0 })));
  expectNoSecrets(res.body);
});
