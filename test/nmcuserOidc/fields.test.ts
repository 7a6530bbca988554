/** nmcuser_oidc request fields (nmcuser-oidc §3) and quota values (§7): bodies, query, types, booleans, null. */
import type { TestApp } from '../helpers/app';
import { createOidc, expectMessage, expectOk, oidc, startOidcApp, userCount, userRowByName, userView, type OidcRequestOptions } from '../helpers/nmcuserOidc';

let t: TestApp;
beforeAll(async () => {
  t = await startOidcApp();
});
afterAll(() => t.close());

let seq = 0;
const fresh = async (over: Record<string, unknown> = {}) => {
  seq += 1;
  return createOidc(t, { username: `field-user-${seq}`, displayname: `Field ${seq}`, ...over });
};
const read = async (id: string) => (await oidc(t, 'GET', `nmcusers/telekom/${encodeURIComponent(id)}`)).body as Record<string, unknown>;

describe('bodies and the query string', () => {
  test('a JSON object body and a form body both create', async () => {
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: 'json-body', displayname: 'J', email: 'j@example.org' } }), { id: 'json-body' });
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { form: { username: 'form-body', displayname: 'F, orm', quota: '25GB', enabled: 'false', migrated: '0' } }), {
      id: 'form-body',
    });
    expectOk(await oidc(t, 'GET', 'nmcusers/telekom/form-body'), userView('form-body', { displayname: 'F, orm', quota: '25GB', enabled: false, migrated: false }));
    // a content type that contains "json" is JSON; charset parameters are fine
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { raw: { type: 'application/vnd.api+json', body: '{"username":"vnd-json","displayname":"V"}' } }), { id: 'vnd-json' });
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { raw: { type: 'application/x-www-form-urlencoded; charset=UTF-8', body: 'username=form-cs&displayname=C%C3%A9' } }), {
      id: 'form-cs',
    });
    expect((await read('form-cs')).displayname).toBe('Cé');
  });

  test('fields from the query string; the body wins over the query', async () => {
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom?username=query-only&displayname=From%20query&quota=1GB'), { id: 'query-only' });
    expectOk(await oidc(t, 'GET', 'nmcusers/telekom/query-only'), userView('query-only', { displayname: 'From query', quota: '1GB' }));
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom?username=query-loses&displayname=Q&email=q@example.org', { json: { username: 'body-wins', displayname: 'B' } }), {
      id: 'body-wins',
    });
    expect(await userRowByName(t, 'query-loses')).toBeUndefined();
    expectOk(await oidc(t, 'GET', 'nmcusers/telekom/body-wins'), userView('body-wins', { displayname: 'B', email: 'q@example.org' }));
    expectOk(await oidc(t, 'PUT', 'nmcusers/telekom/body-wins?displayname=Q2&quota=2GB', { form: { displayname: 'B2' } }), userView('body-wins', { displayname: 'B2', email: 'q@example.org', quota: '2GB' }));
  });

  test('other content types are ignored (their body is not read)', async () => {
    expectMessage(await oidc(t, 'POST', 'nmcusers/telekom', { raw: { type: 'text/plain', body: '{"username":"plain-text","displayname":"x"}' } }), 400, 'username is required');
    expectMessage(await oidc(t, 'POST', 'nmcusers/telekom?username=text-q', { raw: { type: 'text/plain', body: '{not json' } }), 400, 'displayname is required');
    expect(await userRowByName(t, 'plain-text')).toBeUndefined();
  });

  test.each(['{', '{"username":', '[1]', '"x"', 'null', '1', 'true', '[]', "{'a':1}"])('JSON body %s → 400 Invalid JSON body on POST and PUT; nothing written', async (body) => {
    const id = await fresh({ quota: '5GB' });
    const before = { n: await userCount(t), row: await userRowByName(t, id) };
    expectMessage(await oidc(t, 'POST', 'nmcusers/telekom', { json: body }), 400, 'Invalid JSON body');
    expectMessage(await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: body }), 400, 'Invalid JSON body');
    expect({ n: await userCount(t), row: await userRowByName(t, id) }).toEqual(before);
  });

  test('a JSON body nested 100,000 deep → 400 Invalid JSON body on POST and PUT (not 500); nothing written', async () => {
    // Regression (fuzzing, issue 8): the JSON-with-comments parser recursed past the stack.
    const id = await fresh();
    const before = { n: await userCount(t), row: await userRowByName(t, id) };
    for (const body of [`${'['.repeat(100_000)}${']'.repeat(100_000)}`, `{"username":"deep","displayname":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`]) {
      expectMessage(await oidc(t, 'POST', 'nmcusers/telekom', { json: body }), 400, 'Invalid JSON body');
      expectMessage(await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: body }), 400, 'Invalid JSON body');
    }
    expect({ n: await userCount(t), row: await userRowByName(t, id) }).toEqual(before);
  });

  test('unknown fields are ignored: a GET result sent back as a PUT body (id included) is accepted', async () => {
    const id = await fresh({ email: 'u@example.org', altemail: 'alt', quota: '7GB', migrated: false });
    const got = await read(id);
    expectOk(await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: { ...got, id: 'something-else', foo: [1], password: 'x' } }), got);
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: 'extra-fields', displayname: 'E', id: 'other', role: 'app-admin', password: 'pw' } }), { id: 'extra-fields' });
    const row = await userRowByName(t, 'extra-fields');
    expect({ role: row?.role, password: row?.password }).toEqual({ role: 'app-user', password: null });
    expect(await userRowByName(t, 'other')).toBeUndefined();
  });
});

describe('field types (§3)', () => {
  test.each([
    [{ displayname: 5 }, 'displayname'],
    [{ displayname: ['a'] }, 'displayname'],
    [{ email: true }, 'email'],
    [{ altemail: {} }, 'altemail'],
    [{ enabled: 'yes' }, 'enabled'],
    [{ enabled: 2 }, 'enabled'],
    [{ migrated: 'no' }, 'migrated'],
    [{ migrated: [true] }, 'migrated'],
    [{ quota: -1 }, 'quota'],
    [{ quota: 1.5 }, 'quota'],
    [{ quota: true }, 'quota'],
  ])('%j → 400 Invalid value for %s on create and update; nothing changes', async (field, name) => {
    const id = await fresh({ quota: '4GB' });
    const before = { n: await userCount(t), row: await userRowByName(t, id) };
    expectMessage(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: `typed-${seq}`, displayname: 'x', ...field } }), 400, `Invalid value for ${name}`);
    expectMessage(await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: { displayname: 'changed', enabled: false, ...field } }), 400, `Invalid value for ${name}`);
    expect({ n: await userCount(t), row: await userRowByName(t, id) }).toEqual(before);
  });

  test('username of the wrong type → 400 Invalid value for username (JSON list, number, form list)', async () => {
    const before = await userCount(t);
    for (const username of [['a'], 5, { a: 1 }, true]) {
      expectMessage(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username, displayname: 'x' } }), 400, 'Invalid value for username');
    }
    expectMessage(await oidc(t, 'POST', 'nmcusers/telekom', { form: 'username[]=a&displayname=x' }), 400, 'Invalid value for username');
    expectMessage(await oidc(t, 'PUT', `nmcusers/telekom/${await fresh()}`, { form: 'displayname[]=a' }), 400, 'Invalid value for displayname');
    expect(await userCount(t)).toBe(before + 1);
  });

  const BOOLEANS: [string, unknown, boolean][] = [
    ['JSON true', true, true],
    ['JSON false', false, false],
    ['JSON 1', 1, true],
    ['JSON 0', 0, false],
    ['JSON "TRUE"', 'TRUE', true],
    ['JSON "0"', '0', false],
    ['JSON "False"', 'False', false],
    ['JSON "1"', '1', true],
  ];
  test.each(BOOLEANS)('boolean %s → %s for enabled and migrated, on create and update', async (_name, value, expected) => {
    const id = await fresh({ enabled: value, migrated: value });
    expect(await read(id)).toMatchObject({ enabled: expected, migrated: expected });
    expect((await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: { enabled: !expected, migrated: !expected } })).body).toMatchObject({ enabled: !expected, migrated: !expected });
    expect((await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: { enabled: value, migrated: value } })).body).toMatchObject({ enabled: expected, migrated: expected });
  });

  test.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['false', false],
    ['False', false],
    ['0', false],
  ])('form boolean %s → %s for enabled and migrated (deviation 17)', async (text, expected) => {
    seq += 1;
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { form: { username: `form-bool-${seq}`, displayname: 'x', enabled: text, migrated: text } }), { id: `form-bool-${seq}` });
    expect(await read(`form-bool-${seq}`)).toMatchObject({ enabled: expected, migrated: expected });
    const put = await oidc(t, 'PUT', `nmcusers/telekom/form-bool-${seq}`, { form: { enabled: text, migrated: String(!expected) } });
    expect(put.body).toMatchObject({ enabled: expected, migrated: !expected });
  });

  test('null means "not given": required fields missing, optional fields unchanged', async () => {
    const before = await userCount(t);
    expectMessage(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: 'x', displayname: null } }), 400, 'displayname is required');
    expectMessage(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: null, displayname: 'x' } }), 400, 'username is required');
    expect(await userCount(t)).toBe(before);
    const id = await fresh({ email: 'n@example.org', altemail: 'alt', quota: '9GB', migrated: false, enabled: null });
    const expected = userView(id, { displayname: `Field ${seq}`, email: 'n@example.org', altemail: 'alt', quota: '9GB', migrated: false });
    expectOk(await oidc(t, 'GET', `nmcusers/telekom/${id}`), expected);
    const nulls = { displayname: null, email: null, altemail: null, quota: null, migrated: null, enabled: false };
    expectOk(await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: nulls }), { ...expected, enabled: false });
  });
});

test('a value the database cannot store (NUL) → 400 with a {"message"} body; nothing written', async () => {
  const before = await userCount(t);
  for (const field of [{ displayname: 'a\u0000b' }, { altemail: 'a\u0000b' }]) {
    const res = await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: 'nul-value', displayname: 'x', ...field } });
    expect(res.status).toBe(400);
    expect(Object.keys(JSON.parse(res.text))).toEqual(['message']);
  }
  expect(await userCount(t)).toBe(before);
});

describe('quota (§7)', () => {
  test('an integer number of bytes: 3042824 → stored exactly, shown as 2.9MB', async () => {
    const id = await fresh({ quota: 3042824 });
    expect((await read(id)).quota).toBe('2.9MB');
    expect((await userRowByName(t, id))?.quota).toBe('3042824');
    expect((await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: { quota: 0 } })).body.quota).toBe('0B');
    expect((await userRowByName(t, id))?.quota).toBe('0');
  });

  test.each([
    [0, '0B'],
    [500, '500B'],
    [1024, '1KB'],
    [1048575, '1MB'],
    [3042824, '2.9MB'],
    [1610612736, '1.5GB'],
    [3221225472, '3GB'],
    [26843545600, '25GB'],
    [1099511627776, '1TB'],
    [104857600, '100MB'],
  ])('compact output (§7.2): %d bytes → %s', async (bytes, compact) => {
    const id = await fresh({ quota: String(bytes) });
    expect((await read(id)).quota).toBe(compact);
    expect((await userRowByName(t, id))?.quota).toBe(String(bytes));
  });

  test.each([
    ['25GB', '26843545600', '25GB'],
    [' 1.5 gb ', '1610612736', '1.5GB'],
    ['1.5GB', '1610612736', '1.5GB'],
    ['100 MB', '104857600', '100MB'],
    ['1tb', '1099511627776', '1TB'],
    ['2PB', '2251799813685248', '2PB'],
    ['1023', '1023', '1023B'],
    ['NONE', 'none', 'none'],
    ['Default', 'default', 'none'],
  ])('input %j → stored %s, shown %s', async (quota, stored, shown) => {
    const id = await fresh({ quota });
    expect((await userRowByName(t, id))?.quota).toBe(stored);
    expect((await read(id)).quota).toBe(shown);
  });

  test.each(['lots', 'unlimited', '-1', '3 GiB', '100m', '1.5.5GB', '', ' ', '9007199254740992'])('quota %j → 400 Invalid quota value <value>; nothing written', async (quota) => {
    const id = await fresh();
    const before = { n: await userCount(t), row: await userRowByName(t, id) };
    expectMessage(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: `bad-quota-${seq}`, displayname: 'x', quota } }), 400, `Invalid quota value ${quota}`);
    expectMessage(await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: { quota, enabled: false } }), 400, `Invalid quota value ${quota}`);
    expect({ n: await userCount(t), row: await userRowByName(t, id) }).toEqual(before);
  });
});

describe('DEFAULT_QUOTA resolves `default` on read (deviation 25)', () => {
  let d: TestApp;
  beforeAll(async () => {
    d = await startOidcApp({ DEFAULT_QUOTA: '25 GB' });
  });
  afterAll(() => d.close());

  test('quota "default" reads as the instance default, compact', async () => {
    const options: OidcRequestOptions = { json: { username: 'dq', displayname: 'D', quota: 'default' } };
    expectOk(await oidc(d, 'POST', 'nmcusers/telekom', options), { id: 'dq' });
    expect((await d.knex('users').where({ username: 'dq' }).first('quota')).quota).toBe('default');
    expect((await oidc(d, 'GET', 'nmcusers/telekom/dq')).body.quota).toBe('25GB');
  });
});
