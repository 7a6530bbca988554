/** GET, PUT and DELETE /nmcusers/{provider}/{id} (nmcuser-oidc §5, §6.3–§6.5; §11 cases 3, 6, 7, 10–13, 15, 21). */
import type { TestApp } from '../helpers/app';
import { ocsJson } from '../helpers/ocs';
import { createOidc, createProvider, expectMessage, expectOk, oidc, sha256Hex, startOidcApp, userCount, userRowByName, userView } from '../helpers/nmcuserOidc';

let t: TestApp;
const ID = '120049010000000006612061';
const LONG = 'L'.repeat(70);
beforeAll(async () => {
  t = await startOidcApp();
  await createOidc(t, { username: ID, displayname: 'User, Test', quota: '3GB' });
});
afterAll(() => t.close());

let seq = 0;
const fresh = async (over: Record<string, unknown> = {}) => {
  seq += 1;
  return createOidc(t, { username: `u-${seq}`, displayname: `User ${seq}`, ...over });
};
const noUser = (id: string, internal = id) => `No user ${id}, id=${internal}`;
const ocsUser = async (id: string) => (await ocsJson(t, 'GET', 2, `users/${encodeURIComponent(id)}`)).data as Record<string, unknown>;

describe('§11 cases 3, 6, 7', () => {
  test('case 3: GET returns the object in contract member order', async () => {
    const res = await oidc(t, 'GET', `nmcusers/telekom/${ID}`);
    expect(res.text).toBe('{"id":"120049010000000006612061","displayname":"User, Test","email":null,"quota":"3GB","altemail":"","migrated":true,"enabled":true}');
    expect(Object.keys(res.body)).toEqual(['id', 'displayname', 'email', 'quota', 'altemail', 'migrated', 'enabled']);
  });

  test('case 6: unknown id and a local user → 404 No user <id>, id=<internal>', async () => {
    expectMessage(await oidc(t, 'GET', 'nmcusers/telekom/12345'), 404, noUser('12345'));
    expectMessage(await oidc(t, 'GET', 'nmcusers/telekom/local1'), 404, noUser('local1'));
    expectMessage(await oidc(t, 'GET', 'nmcusers/telekom/admin'), 404, noUser('admin'));
    expectMessage(await oidc(t, 'GET', `nmcusers/telekom/${LONG}`), 404, noUser(LONG, sha256Hex(LONG)));
    // exact username: case matters
    expectMessage(await oidc(t, 'GET', `nmcusers/telekom/${ID.replace('1', 'I')}`), 404, noUser(ID.replace('1', 'I')));
  });

  test.each([
    ['GET', 'nmcusers/o2', {}],
    ['POST', 'nmcusers/o2', { json: { username: 'for-o2', displayname: 'x' } }],
    ['GET', `nmcusers/o2/${ID}`, {}],
    ['PUT', `nmcusers/o2/${ID}`, { json: { displayname: 'x' } }],
    ['DELETE', `nmcusers/o2/${ID}`, {}],
    ['GET', `token/o2/${ID}`, {}],
  ] as const)('case 7: %s %s → 404 No oidc provider o2; nothing written', async (method, path, options) => {
    const before = { users: await userCount(t), row: await userRowByName(t, ID), tokens: await t.knex('app_passwords').count({ n: '*' }).first() };
    expectMessage(await oidc(t, method, path, options), 404, 'No oidc provider o2');
    expectMessage(await oidc(t, method, path.replace('o2', '99'), options), 404, 'No oidc provider 99');
    expectMessage(await oidc(t, method, path.replace('o2', 'O%32'), options), 404, 'No oidc provider O2');
    expectMessage(await oidc(t, method, path.replace('o2', '2147483648'), options), 404, 'No oidc provider 2147483648');
    expectMessage(await oidc(t, method, path.replace('o2', '99999999999999999999'), options), 404, 'No oidc provider 99999999999999999999');
    expect({ users: await userCount(t), row: await userRowByName(t, ID), tokens: await t.knex('app_passwords').count({ n: '*' }).first() }).toEqual(before);
  });

  test('the provider by identifier ignoring case, then by numeric id with leading zeros', async () => {
    for (const provider of ['Telekom', 'TELEKOM', '1', '01', '001']) {
      expectOk(await oidc(t, 'GET', `nmcusers/${provider}/${ID}`), userView(ID, { displayname: 'User, Test' }));
    }
  });
});

describe('users not linked to the provider are never found (§5.2)', () => {
  let o2User: string;
  beforeAll(async () => {
    expect(await createProvider(t, 'o2')).toBe(2);
    o2User = await createOidc(t, { username: 'o2-user', displayname: 'O2' }, 'o2');
  });

  test.each([
    ['GET', {}],
    ['PUT', { json: { displayname: 'hijack', enabled: false } }],
    ['DELETE', {}],
  ] as const)('%s of local1, admin and another provider\'s user → 404; nothing changes', async (method, options) => {
    const snapshot = () => t.knex('users').orderBy('id').select('id', 'username', 'name', 'email', 'is_active', 'quota', 'oidc_provider_id');
    const before = await snapshot();
    for (const id of ['local1', 'admin', 'o2-user']) expectMessage(await oidc(t, method, `nmcusers/telekom/${id}`, options), 404, noUser(id));
    expectMessage(await oidc(t, method, `nmcusers/o2/${ID}`, options), 404, noUser(ID));
    expect(await snapshot()).toEqual(before);
  });

  test('token of local1, admin and another provider\'s user → 404; no app password, no audit event', async () => {
    for (const id of ['local1', 'admin', 'o2-user']) expectMessage(await oidc(t, 'GET', `token/telekom/${id}`), 404, noUser(id));
    expect(Number((await t.knex('app_passwords').count({ n: '*' }).first())?.n)).toBe(0);
    expect(Number((await t.knex('audit_events').where({ action: 'nmcuser_oidc.token' }).count({ n: '*' }).first())?.n)).toBe(0);
  });

  test('the other provider finds its own user', async () => {
    expectOk(await oidc(t, 'GET', `nmcusers/O2/${o2User}`), userView('o2-user', { displayname: 'O2' }));
    expectOk(await oidc(t, 'GET', 'nmcusers/2'), ['o2-user']);
  });
});

describe('PUT (§6.4, §11 cases 10–13)', () => {
  test('case 10: disabled via OCS, then PUT {"displayname":…} → 200, enabled again, new name', async () => {
    const disabled = await ocsJson(t, 'PUT', 1, `users/${ID}/disable`);
    expect(disabled.statuscode).toBe(100);
    expect((await oidc(t, 'GET', `nmcusers/telekom/${ID}`)).body.enabled).toBe(false);
    expectOk(await oidc(t, 'PUT', `nmcusers/telekom/${ID}`, { json: { displayname: 'User, Test2' } }), userView(ID, { displayname: 'User, Test2' }));
    expect((await userRowByName(t, ID))?.is_active).toBe(true);
  });

  test('case 11: {"enabled":false}, form enabled=false → false twice; {"quota":"1TB"} → 1TB and enabled', async () => {
    const base = { displayname: 'User, Test2' };
    expectOk(await oidc(t, 'PUT', `nmcusers/telekom/${ID}`, { json: { enabled: false } }), userView(ID, { ...base, enabled: false }));
    expectOk(await oidc(t, 'PUT', `nmcusers/telekom/${ID}`, { form: 'enabled=false' }), userView(ID, { ...base, enabled: false }));
    expect((await userRowByName(t, ID))?.is_active).toBe(false);
    expectOk(await oidc(t, 'PUT', `nmcusers/telekom/${ID}`, { json: { quota: '1TB' } }), userView(ID, { ...base, quota: '1TB' }));
    expect((await userRowByName(t, ID))?.quota).toBe('1099511627776');
  });

  test('case 12: email and altemail reach OCS as email and address; backend user_oidc', async () => {
    const res = await oidc(t, 'PUT', `nmcusers/telekom/${ID}`, { json: { email: 'x@y.z', altemail: 'alt2@y.z' } });
    expect(res.body).toMatchObject({ email: 'x@y.z', altemail: 'alt2@y.z' });
    expect(await ocsUser(ID)).toMatchObject({ id: ID, email: 'x@y.z', address: 'alt2@y.z', backend: 'user_oidc', displayname: 'User, Test2' });
  });

  test('case 13: a quota set through OCS reads here in compact form', async () => {
    const set = await ocsJson(t, 'PUT', 1, `users/${ID}`, { form: { key: 'quota', value: '100MB' } });
    expect(set.statuscode).toBe(100);
    expect((await oidc(t, 'GET', `nmcusers/telekom/${ID}`)).body.quota).toBe('100MB');
  });

  test('an empty body is allowed and re-enables (JSON {}, no body, empty form)', async () => {
    const id = await fresh({ email: 'keep@example.org', quota: '5GB', migrated: false });
    const expected = userView(id, { displayname: `User ${seq}`, email: 'keep@example.org', quota: '5GB', migrated: false });
    for (const options of [{ json: {} }, {}, { form: '' }, { json: '' }]) {
      expect((await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: { enabled: false } })).body.enabled).toBe(false);
      expectOk(await oidc(t, 'PUT', `nmcusers/telekom/${id}`, options), expected);
    }
  });

  test('fields not given stay unchanged; "" clears email (null), altemail (""), displayname (reads show the id)', async () => {
    const id = await fresh({ email: 'e@example.org', altemail: 'alt', quota: '2GB', migrated: false });
    expectOk(await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: { migrated: true } }), userView(id, { displayname: `User ${seq}`, email: 'e@example.org', altemail: 'alt', quota: '2GB' }));
    expectOk(await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: { email: '', altemail: '', displayname: '' } }), userView(id, { quota: '2GB' }));
    expect(await userRowByName(t, id)).toMatchObject({ name: '', email: '', address: '' });
    expectOk(await oidc(t, 'GET', `nmcusers/telekom/${id}`), userView(id, { quota: '2GB' }));
  });

  test('the PUT result is the full object, equal to a following GET; unknown fields (username) never rename', async () => {
    const id = await fresh();
    const put = await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: { username: 'renamed', id: 'renamed', displayname: 'New', quota: 1610612736 } });
    expect(put.text).toBe((await oidc(t, 'GET', `nmcusers/telekom/${id}`)).text);
    expectOk(put, userView(id, { displayname: 'New', quota: '1.5GB' }));
    expect(await userRowByName(t, 'renamed')).toBeUndefined();
    expect((await userRowByName(t, id))?.oidc_subject).toBe(id);
  });

  test.each([
    [{ displayname: 'é'.repeat(256) }, 'Invalid value for displayname'],
    [{ email: 'not-an-email' }, 'Invalid value for email'],
    [{ altemail: 'a'.repeat(256) }, 'Invalid value for altemail'],
    [{ quota: 'lots' }, 'Invalid quota value lots'],
    [{ quota: '-1' }, 'Invalid quota value -1'],
    [{ displayname: 'valid', quota: '3 GiB' }, 'Invalid quota value 3 GiB'],
  ])('%j → 400 %s; the user, disabled, stays unchanged and disabled', async (body, message) => {
    const id = await fresh({ enabled: false, email: 'same@example.org' });
    const before = await userRowByName(t, id);
    expectMessage(await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: body }), 400, message);
    expect(await userRowByName(t, id)).toEqual(before);
    expect(before?.is_active).toBe(false);
  });

  test('a hashed user is updated by its username or its internal id', async () => {
    const id = await createOidc(t, { username: LONG, displayname: 'Long' });
    expect(id).toBe(sha256Hex(LONG));
    expectOk(await oidc(t, 'PUT', `nmcusers/telekom/${LONG}`, { json: { displayname: 'By name' } }), userView(id, { displayname: 'By name' }));
    expectOk(await oidc(t, 'PUT', `nmcusers/1/${id}`, { json: { displayname: 'By id' } }), userView(id, { displayname: 'By id' }));
  });
});

describe('DELETE (§6.5, §11 case 15)', () => {
  test('200 with body ""; the user, its memberships, subadmin rows and app passwords are gone', async () => {
    const id = await fresh();
    const userId = (await userRowByName(t, id))?.id as number;
    expect((await ocsJson(t, 'POST', 1, 'groups', { form: { groupid: 'team' } })).statuscode).toBe(100);
    expect((await ocsJson(t, 'POST', 1, `users/${id}/groups`, { form: { groupid: 'team' } })).statuscode).toBe(100);
    expect((await ocsJson(t, 'POST', 1, `users/${id}/subadmins`, { form: { groupid: 'team' } })).statuscode).toBe(100);
    expect((await oidc(t, 'GET', `token/telekom/${id}`)).status).toBe(200);
    const counts = async () => ({
      memberships: (await t.knex('group_has_users').where({ user_id: userId })).length,
      subadmins: (await t.knex('group_subadmins').where({ user_id: userId })).length,
      tokens: (await t.knex('app_passwords').where({ user_id: userId })).length,
    });
    expect(await counts()).toEqual({ memberships: 1, subadmins: 1, tokens: 1 });

    const res = await oidc(t, 'DELETE', `nmcusers/telekom/${id}`);
    expect({ status: res.status, text: res.text, type: res.headers['content-type'] }).toEqual({ status: 200, text: '""', type: 'application/json; charset=utf-8' });
    expect(await userRowByName(t, id)).toBeUndefined();
    expect(await counts()).toEqual({ memberships: 0, subadmins: 0, tokens: 0 });
    expect(await t.knex('groups').where({ name: 'team' }).first('name')).toEqual({ name: 'team' });

    expectMessage(await oidc(t, 'GET', `nmcusers/telekom/${id}`), 404, noUser(id));
    expectMessage(await oidc(t, 'DELETE', `nmcusers/telekom/${id}`), 404, noUser(id));
    const ocs = await ocsJson(t, 'GET', 2, `users/${id}`);
    expect({ status: ocs.status, statuscode: ocs.statuscode }).toEqual({ status: 404, statuscode: 404 });
  });

  test('a hashed user is deleted by its username; the id is free again', async () => {
    const username = `D${'d'.repeat(69)}`;
    const id = await createOidc(t, { username, displayname: 'x' });
    expectOk(await oidc(t, 'DELETE', `nmcusers/TELEKOM/${username}`), '');
    expect(await userRowByName(t, id)).toBeUndefined();
    expect(await createOidc(t, { username, displayname: 'again' })).toBe(id);
  });
});

describe('removeOidcProvider (§9.2, §11 case 21)', () => {
  let r: TestApp;
  afterAll(() => r.close());

  test('the users survive, unlinked: 404 here, still user_oidc in OCS, tokens keep working; a new Telekom does not re-link', async () => {
    r = await startOidcApp();
    const id = await createOidc(r, { username: ID, displayname: 'Survivor', quota: '25GB' });
    const token = (await oidc(r, 'GET', `token/telekom/${id}`)).body.token as string;
    expect((await r.rpc('/rpc', 'removeOidcProvider', [1])).result).toBe(true);

    expectMessage(await oidc(r, 'GET', `nmcusers/telekom/${id}`), 404, 'No oidc provider telekom');
    expectMessage(await oidc(r, 'GET', `nmcusers/1/${id}`), 404, 'No oidc provider 1');
    expect(await r.knex('users').where({ username: id }).first('oidc_provider_id', 'is_oidc_user', 'oidc_subject', 'name')).toEqual({
      oidc_provider_id: null,
      is_oidc_user: true,
      oidc_subject: ID,
      name: 'Survivor',
    });
    const ocs = await ocsJson(r, 'GET', 2, `users/${id}`);
    expect(ocs.data).toMatchObject({ id, backend: 'user_oidc', displayname: 'Survivor' });
    const me = await ocsJson(r, 'GET', 2, 'user', { caller: [id, token] });
    expect({ statuscode: me.statuscode, id: (me.data as { id: string }).id }).toEqual({ statuscode: 200, id });

    expect(await createProvider(r, 'Telekom')).toBe(2);
    expectMessage(await oidc(r, 'GET', `nmcusers/telekom/${id}`), 404, noUser(id));
    expectOk(await oidc(r, 'GET', 'nmcusers/telekom'), []);
    expectMessage(await oidc(r, 'POST', 'nmcusers/telekom', { json: { username: ID, displayname: 'x' } }), 409, `OpenID user telekom:${ID} already exists!`);
  });
});
