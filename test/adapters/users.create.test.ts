/** createUser and createLdapUser at both endpoints (contract §7.1, §2, §14, §16). */
import bcrypt from 'bcrypt';
import { startTestApp, type TestApp } from '../helpers/app';
import {
  COMPAT,
  STRICT,
  adminGroupMembers,
  alreadyExists,
  err,
  expectFailure,
  invalidParams,
  ok,
  rawCall,
  userObject,
  userRow,
} from '../helpers/users';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const userCount = async () => Number((await t.knex('users').count({ c: '*' }).first())!.c);

/** Creates at one endpoint and returns the new id (asserting the exact body). */
async function created(endpoint: typeof COMPAT, params: unknown): Promise<number> {
  const text = await rawCall(t, endpoint, 'createUser', params);
  const id = JSON.parse(text).result;
  expect(typeof id).toBe('number');
  expect(text).toBe(ok(id));
  return id;
}

/** A value failure: compat false, strict -32602 with these errors; nothing is stored. */
async function rejected(params: Record<string, unknown>, ...errors: Parameters<typeof invalidParams>): Promise<void> {
  const before = await userCount();
  await expectFailure(t, 'createUser', params, false, invalidParams(...errors));
  expect(await userCount()).toBe(before);
}

describe('§14 examples on a fresh app', () => {
  let fresh: TestApp;
  beforeAll(async () => {
    fresh = await startTestApp();
  });
  afterAll(() => fresh.close());

  const send = async (endpoint: typeof COMPAT, body: string) => {
    const res = await fresh.call(endpoint, body);
    expect(res.status).toBe(200);
    return res.text;
  };

  test('compat: named, positional, duplicate and binding errors, byte for byte', async () => {
    expect(await send(COMPAT, '{"jsonrpc":"2.0","method":"createUser","params":{"username":"biloute","password":"123456"},"id":1}')).toBe(
      '{"jsonrpc":"2.0","result":2,"id":1}',
    );
    expect(
      await send(COMPAT, '{"jsonrpc":"2.0","method":"createUser","params":["bob","secret1","Bob B","bob@example.com","app-manager"],"id":2}'),
    ).toBe('{"jsonrpc":"2.0","result":3,"id":2}');
    expect(await send(COMPAT, '{"jsonrpc":"2.0","method":"createUser","params":{"username":"biloute","password":"123456"},"id":3}')).toBe(
      '{"jsonrpc":"2.0","result":false,"id":3}',
    );
    expect(await send(COMPAT, '{"jsonrpc":"2.0","method":"createUser","params":{"username":"nopw"},"id":7}')).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Wrong number of arguments"},"id":7}',
    );
    expect(await send(COMPAT, '{"jsonrpc":"2.0","method":"createUser","params":{"username":"x1","foo":"bar"},"id":8}')).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Missing argument: password"},"id":8}',
    );
    expect(
      await send(COMPAT, '{"jsonrpc":"2.0","method":"createUser","params":["toomany","123456","n","e@x.com","app-user","x"],"id":11}'),
    ).toBe('{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too many arguments"},"id":11}');

    const rows = await fresh.knex('users').orderBy('id').select('id', 'username', 'name', 'email', 'role', 'is_active', 'is_ldap_user');
    expect(rows.map((r) => ({ ...r, id: Number(r.id) }))).toEqual([
      { id: 1, username: 'admin', name: null, email: null, role: 'app-admin', is_active: true, is_ldap_user: false },
      { id: 2, username: 'biloute', name: '', email: '', role: 'app-user', is_active: true, is_ldap_user: false },
      { id: 3, username: 'bob', name: 'Bob B', email: 'bob@example.com', role: 'app-manager', is_active: true, is_ldap_user: false },
    ]);
  });

  test('strict: short password and duplicate, byte for byte', async () => {
    expect(await send(STRICT, '{"jsonrpc":"2.0","method":"createUser","params":{"username":"shortpw","password":"12345"},"id":4}')).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":{"reason":"invalid_params","errors":[{"instancePath":"/password","keyword":"minLength","message":"must NOT have fewer than 6 characters"}]}},"id":4}',
    );
    expect(await send(STRICT, '{"jsonrpc":"2.0","method":"createUser","params":{"username":"biloute","password":"123456"},"id":3}')).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32002,"message":"Already exists","data":{"reason":"already_exists","resource":"user","field":"username"}},"id":3}',
    );
    expect(await fresh.knex('users').where({ username: 'shortpw' }).first()).toBeUndefined();
  });
});

describe('createUser success', () => {
  test('named params at strict store every column and the defaults of §10', async () => {
    const id = await created(STRICT, { username: 'carol', password: 'secret-carol', name: 'Carol C', email: 'carol@example.com', role: 'app-manager' });
    const row = await userRow(t, { id });
    expect({ ...row, id: Number(row!.id), lock_expiration_date: Number(row!.lock_expiration_date), last_login: Number(row!.last_login) }).toEqual({
      ...userObject(id, 'carol', { name: 'Carol C', email: 'carol@example.com', role: 'app-manager' }),
      password: expect.any(String),
      twofactor_secret: null,
      api_access_token: null,
      last_login: 0,
      // OCS profile columns (ocs-provisioning §2.4), never part of the JSON-RPC user object
      quota: 'default',
      // OIDC columns (nmcuser-oidc §2.3)
      is_oidc_user: false,
      migrated: false,
      oidc_provider_id: null,
      oidc_subject: null,
      phone: '',
      address: '',
      website: '',
      twitter: '',
    });
    expect(await rawCall(t, STRICT, 'getUser', [id])).toBe(ok(userObject(id, 'carol', { name: 'Carol C', email: 'carol@example.com', role: 'app-manager' })));
  });

  test('positional params at strict and positional object keys at compat', async () => {
    const a = await created(STRICT, ['pos-strict', 'secret1', 'P S', 'ps@example.com', 'app-user']);
    const b = await created(COMPAT, { 0: 'pos-compat', 1: 'secret1', 2: 'P C' });
    expect(await userRow(t, { id: a })).toMatchObject({ username: 'pos-strict', name: 'P S', email: 'ps@example.com', role: 'app-user' });
    expect(await userRow(t, { id: b })).toMatchObject({ username: 'pos-compat', name: 'P C', email: '', role: 'app-user' });
  });

  test('the password is stored as a bcrypt hash, never in plain text', async () => {
    const id = await created(COMPAT, { username: 'hashed', password: 'plain-secret' });
    const { password } = (await userRow(t, { id }))!;
    expect(password).toMatch(/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/);
    expect(password).not.toContain('plain-secret');
    expect(await bcrypt.compare('plain-secret', password as string)).toBe(true);
    expect(await bcrypt.compare('other-secret', password as string)).toBe(false);
  });

  test('the new user authenticates with its password', async () => {
    await t.createUser('logs-in', 'secret-login');
    const res = await t.call(STRICT, { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['logs-in', 'secret-login']);
    expect(JSON.parse(res.text).result).toMatchObject({ username: 'logs-in', role: 'app-user' });
  });

  test('username is trimmed of space, tab, CR, LF, NUL and VT before storing', async () => {
    const id = await created(COMPAT, { username: ' \t\r\n\u0000\u000bpadded \t\r\n\u0000\u000b', password: 'secret1' });
    expect((await userRow(t, { id }))!.username).toBe('padded');
    const id2 = await created(STRICT, { username: '\u000b\tpadded2\n', password: 'secret1' });
    expect((await userRow(t, { id: id2 }))!.username).toBe('padded2');
    // the trimmed value is what uniqueness compares
    await expectFailure(t, 'createUser', { username: '  padded\t', password: 'secret1' }, false, alreadyExists('user', 'username'));
  });

  test('inner whitespace and other characters are kept', async () => {
    const id = await created(STRICT, { username: 'Jean  Dupont\u00a0é', password: 'secret1' });
    expect((await userRow(t, { id }))!.username).toBe('Jean  Dupont\u00a0é');
  });

  test('191 code points are accepted (emoji count as one character)', async () => {
    const name191 = '😀'.repeat(191);
    const id = await created(STRICT, { username: name191, password: 'secret1' });
    expect((await userRow(t, { id }))!.username).toBe(name191);
    const ascii191 = 'a'.repeat(191);
    const id2 = await created(COMPAT, { username: ascii191, password: 'secret1' });
    expect((await userRow(t, { id: id2 }))!.username).toBe(ascii191);
  });

  test('usernames are unique case-sensitively: BOB and bob are different users', async () => {
    const upper = await created(COMPAT, { username: 'BOB', password: 'secret1' });
    const lower = await created(STRICT, { username: 'bob', password: 'secret1' });
    expect(lower).not.toBe(upper);
    await expectFailure(t, 'createUser', { username: 'BOB', password: 'secret1' }, false, alreadyExists('user', 'username'));
    await expectFailure(t, 'createUser', ['bob', 'secret1'], false, alreadyExists('user', 'username'));
    expect(Number((await t.knex('users').whereIn('username', ['BOB', 'bob']).count({ c: '*' }).first())!.c)).toBe(2);
  });

  test('a numeric password is accepted at compat (as its text) and refused at strict', async () => {
    const id = await created(COMPAT, { username: 'numeric-pw', password: 123456 });
    expect(await bcrypt.compare('123456', (await userRow(t, { id }))!.password as string)).toBe(true);
    expect(await rawCall(t, STRICT, 'createUser', { username: 'numeric-pw2', password: 123456 })).toBe(
      err(invalidParams({ instancePath: '/password', keyword: 'type', message: 'must be string' })),
    );
    expect(await userRow(t, { username: 'numeric-pw2' })).toBeUndefined();
  });

  test('name null and email null store SQL NULL', async () => {
    const id = await created(STRICT, { username: 'nulls', password: 'secret1', name: null, email: null });
    expect(await userRow(t, { id })).toMatchObject({ name: null, email: null });
    const id2 = await created(COMPAT, ['nulls2', 'secret1', null, null]);
    expect(await userRow(t, { id: id2 })).toMatchObject({ name: null, email: null });
    expect(await rawCall(t, STRICT, 'getUser', [id])).toBe(ok(userObject(id, 'nulls', { name: null, email: null })));
  });

  test('valid emails: u@localhost and ""', async () => {
    const id = await created(STRICT, { username: 'local-mail', password: 'secret1', email: 'u@localhost' });
    expect((await userRow(t, { id }))!.email).toBe('u@localhost');
    const id2 = await created(COMPAT, { username: 'empty-mail', password: 'secret1', email: '' });
    expect((await userRow(t, { id: id2 }))!.email).toBe('');
    const max = `${'a'.repeat(243)}@example.com`;
    expect(max).toHaveLength(255);
    const id3 = await created(STRICT, { username: 'long-mail', password: 'secret1', email: max });
    expect((await userRow(t, { id: id3 }))!.email).toBe(max);
  });

  test('role app-admin adds the user to group admin; other roles do not', async () => {
    const admin2 = await created(COMPAT, { username: 'second-admin', password: 'secret1', role: 'app-admin' });
    const admin3 = await created(STRICT, ['third-admin', 'secret1', '', '', 'app-admin']);
    const manager = await created(STRICT, { username: 'a-manager', password: 'secret1', role: 'app-manager' });
    const members = await adminGroupMembers(t);
    expect(members).toEqual(expect.arrayContaining([1, admin2, admin3]));
    expect(members).not.toContain(manager);
    expect(members).toHaveLength(3);
    expect(await userRow(t, { id: admin2 })).toMatchObject({ role: 'app-admin' });
  });
});

describe('createUser value failures (compat false, strict -32602)', () => {
  test('duplicate username', async () => {
    await t.createUser('dupe');
    await expectFailure(t, 'createUser', { username: 'dupe', password: 'secret1' }, false, alreadyExists('user', 'username'));
  });

  test('whitespace-only and empty usernames', async () => {
    const minLength = { instancePath: '/username', keyword: 'minLength', message: 'must NOT have fewer than 1 characters' };
    await rejected({ username: ' \t\r\n\u0000\u000b ', password: 'secret1' }, minLength);
    await rejected({ username: '', password: 'secret1' }, minLength);
  });

  test('192 characters', async () => {
    const maxLength = { instancePath: '/username', keyword: 'maxLength', message: 'must NOT have more than 191 characters' };
    await rejected({ username: '😀'.repeat(192), password: 'secret1' }, maxLength);
    await rejected({ username: 'b'.repeat(192), password: 'secret1' }, maxLength);
  });

  test('password shorter than 6 characters', async () => {
    await rejected({ username: 'shortpw', password: '12345' }, { instancePath: '/password', keyword: 'minLength', message: 'must NOT have fewer than 6 characters' });
    await rejected({ username: 'shortpw', password: '' }, { instancePath: '/password', keyword: 'minLength', message: 'must NOT have fewer than 6 characters' });
  });

  test('wrong types and null for required params', async () => {
    await rejected({ username: 'typed', password: null }, { instancePath: '/password', keyword: 'type', message: 'must be string' });
    await rejected({ username: null, password: 'secret1' }, { instancePath: '/username', keyword: 'type', message: 'must be string' });
    await rejected({ username: ['x'], password: 'secret1' }, { instancePath: '/username', keyword: 'type', message: 'must be string' });
    await rejected({ username: 'typed', password: 'secret1', name: true }, { instancePath: '/name', keyword: 'type', message: 'must be string,null' });
  });

  test('name longer than 255 characters', async () => {
    await rejected({ username: 'longname', password: 'secret1', name: 'n'.repeat(256) }, { instancePath: '/name', keyword: 'maxLength', message: 'must NOT have more than 255 characters' });
  });

  test.each(['not-an-email', '@x.com', 'a@b.', 'a@.b', 'a@b..c', 'a@b', 'a b@example.com', 'é@example.com'])('invalid email %j', async (email) => {
    await rejected({ username: 'badmail', password: 'secret1', email }, { instancePath: '/email', keyword: 'format', message: 'must match format "email"' });
  });

  test('email of 256 characters', async () => {
    const email = `${'a'.repeat(244)}@example.com`;
    expect(email).toHaveLength(256);
    await rejected(
      { username: 'longmail', password: 'secret1', email },
      { instancePath: '/email', keyword: 'maxLength', message: 'must NOT have more than 255 characters' },
      { instancePath: '/email', keyword: 'format', message: 'must match format "email"' },
    );
  });

  test.each([[''], ['admin'], ['App-Admin'], ['project-manager']])('role %j', async (role) => {
    await rejected({ username: 'badrole', password: 'secret1', role }, { instancePath: '/role', keyword: 'enum', message: 'must be equal to one of the allowed values' });
  });

  test('role null is invalid with keyword type (§2.3)', async () => {
    await rejected(
      { username: 'badrole', password: 'secret1', role: null },
      { instancePath: '/role', keyword: 'type', message: 'must be string' },
      { instancePath: '/role', keyword: 'enum', message: 'must be equal to one of the allowed values' },
    );
  });

  test('compat: params keyed "1","0" (not in order) bind by name → Missing argument', async () => {
    const res = await t.call(COMPAT, '{"jsonrpc":"2.0","method":"createUser","params":{"1":"secret1","0":"keyorder"},"id":5}');
    expect(res.text).toBe('{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Missing argument: username"},"id":5}');
    expect(await userRow(t, { username: 'keyorder' })).toBeUndefined();
  });

  test('strict refuses unknown keys; compat ignores them', async () => {
    expect(await rawCall(t, STRICT, 'createUser', { username: 'extra-key', password: 'secret1', foo: 'bar' })).toBe(
      err(invalidParams({ instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' })),
    );
    expect(await userRow(t, { username: 'extra-key' })).toBeUndefined();
    const id = await created(COMPAT, { username: 'extra-key', password: 'secret1', foo: 'bar' });
    expect((await userRow(t, { id }))!.username).toBe('extra-key');
  });

  test('strict: missing password and too many positional params', async () => {
    expect(await rawCall(t, STRICT, 'createUser', { username: 'nopw' })).toBe(
      err(invalidParams({ instancePath: '', keyword: 'required', message: "must have required property 'password'" })),
    );
    expect(await rawCall(t, STRICT, 'createUser', ['toomany', '123456', 'n', 'e@x.com', 'app-user', 'x'])).toBe(
      err(invalidParams({ instancePath: '', keyword: 'maxItems', message: 'must NOT have more than 5 items' })),
    );
    expect(await userRow(t, { username: 'toomany' })).toBeUndefined();
  });
});

describe('createLdapUser without LDAP_URL', () => {
  test('compat false, strict -32005 ldap_not_configured; nothing is created', async () => {
    const before = await userCount();
    await expectFailure(t, 'createLdapUser', { username: 'ldap-someone' }, false, {
      code: -32005,
      message: 'Precondition failed',
      data: { reason: 'ldap_not_configured' },
    });
    await expectFailure(t, 'createLdapUser', ['ldap-someone'], false, { code: -32005, message: 'Precondition failed', data: { reason: 'ldap_not_configured' } });
    expect(await userCount()).toBe(before);
  });

  test('an invalid username is -32602 before the LDAP precondition', async () => {
    await expectFailure(t, 'createLdapUser', { username: ' \t ' }, false, invalidParams({ instancePath: '/username', keyword: 'minLength', message: 'must NOT have fewer than 1 characters' }));
    await expectFailure(t, 'createLdapUser', { username: ['x'] }, false, invalidParams({ instancePath: '/username', keyword: 'type', message: 'must be string' }));
    await expectFailure(t, 'createLdapUser', { username: 'u'.repeat(192) }, false, invalidParams({ instancePath: '/username', keyword: 'maxLength', message: 'must NOT have more than 191 characters' }));
  });
});
