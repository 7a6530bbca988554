/** POST /nmcusers/{provider} (nmcuser-oidc §2.2, §6.2; §11 cases 1, 2, 4, 5, 8, 9). */
import type { TestApp } from '../helpers/app';
import { ocsJson } from '../helpers/ocs';
import { createOidc, expectMessage, expectOk, oidc, sha256Hex, startOidcApp, userCount, userRowByName, userView } from '../helpers/nmcuserOidc';

let t: TestApp;
beforeAll(async () => {
  t = await startOidcApp();
});
afterAll(() => t.close());

const exists = (provider: string, username: string) => `OpenID user ${provider}:${username} already exists!`;

/** Expects the 400 (or 409) and that no user row was written. */
async function expectRefused(body: unknown, status: number, message: string, provider = 'telekom'): Promise<void> {
  const before = await userCount(t);
  expectMessage(await oidc(t, 'POST', `nmcusers/${provider}`, { json: body }), status, message);
  expect(await userCount(t)).toBe(before);
}

describe('§11 acceptance cases', () => {
  test('case 1: create → 200 {"id":…}; the same again → 409 naming the provider segment and username', async () => {
    const body = { username: '120049010000000006612061', displayname: 'User, Test', quota: '3GB' };
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: body }), { id: '120049010000000006612061' });
    const res = await oidc(t, 'POST', 'nmcusers/telekom', { json: body });
    expect({ status: res.status, text: res.text }).toEqual({ status: 409, text: '{"message":"OpenID user telekom:120049010000000006612061 already exists!"}' });
    // the 409 uses the path segment as decoded
    await expectRefused(body, 409, exists('TELEKOM', '120049010000000006612061'), 'TELEKOM');
    await expectRefused(body, 409, exists('1', '120049010000000006612061'), '1');
    await expectRefused(body, 409, exists('Telekom', '120049010000000006612061'), 'Tele%6Bom');
  });

  test('the §6.2 example: 200, then 409; GET shows the example object', async () => {
    const body = { username: '120049010000000006612062', displayname: 'User, Test', email: 'test@example.org', quota: '25GB' };
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: body }), { id: '120049010000000006612062' });
    await expectRefused(body, 409, exists('telekom', '120049010000000006612062'));
    expect((await oidc(t, 'GET', 'nmcusers/telekom/120049010000000006612062')).text).toBe(
      '{"id":"120049010000000006612062","displayname":"User, Test","email":"test@example.org","quota":"25GB","altemail":"","migrated":true,"enabled":true}',
    );
  });

  test('case 2: the provider by identifier in any case, and by numeric id (1 and 01)', async () => {
    for (const [provider, username] of [['TELEKOM', 'case2-upper'], ['1', 'case2-id'], ['01', 'case2-zero'], ['TeLeKoM', 'case2-mixed']]) {
      expectOk(await oidc(t, 'POST', `nmcusers/${provider}`, { json: { username, displayname: 'x' } }), { id: username });
      expect((await userRowByName(t, username))?.oidc_provider_id).toBe(1);
    }
    await expectRefused({ username: 'case2-none', displayname: 'x' }, 404, 'No oidc provider 2', '2');
  });

  test('case 4: no quota, enabled false, migrated false, both emails → 3GB, false, false', async () => {
    const body = { username: 'case4', displayname: 'Case Four', enabled: false, migrated: false, email: 'a@b.c', altemail: 'alt@b.c' };
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: body }), { id: 'case4' });
    expectOk(await oidc(t, 'GET', 'nmcusers/telekom/case4'), userView('case4', { displayname: 'Case Four', email: 'a@b.c', altemail: 'alt@b.c', enabled: false, migrated: false }));
    expect((await t.rpc('/rpc', 'getUserByName', ['case4'])).result).toMatchObject({ username: 'case4', is_active: false, name: 'Case Four', email: 'a@b.c' });
  });

  test('case 5: more than 64 UTF-8 bytes → id is the lowercase hex SHA-256; 64 bytes stay; GET by username and by hash', async () => {
    const seventy = '7'.repeat(70);
    const hash = sha256Hex(seventy);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: seventy, displayname: 'Seventy' } }), { id: hash });
    for (const id of [seventy, hash]) expectOk(await oidc(t, 'GET', `nmcusers/telekom/${id}`), userView(hash, { displayname: 'Seventy' }));
    const row = await userRowByName(t, hash);
    expect({ subject: row?.oidc_subject, provider: row?.oidc_provider_id }).toEqual({ subject: seventy, provider: 1 });
    // the conflict names the body's username, whichever form it was sent in
    await expectRefused({ username: seventy, displayname: 'x' }, 409, exists('telekom', seventy));
    await expectRefused({ username: hash, displayname: 'x' }, 409, exists('telekom', hash));

    const sixtyFive = `${'a'.repeat(63)}é`; // 63 + 2 bytes
    expect(Buffer.byteLength(sixtyFive)).toBe(65);
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: sixtyFive, displayname: '65' } }), { id: sha256Hex(sixtyFive) });
    const sixtyFour = `${'b'.repeat(62)}é`;
    expect(Buffer.byteLength(sixtyFour)).toBe(64);
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: sixtyFour, displayname: '64' } }), { id: sixtyFour });
    expectOk(await oidc(t, 'GET', `nmcusers/telekom/${encodeURIComponent(sixtyFour)}`), userView(sixtyFour, { displayname: '64' }));
  });

  test('case 8: any existing account conflicts, local users included → 409; nothing written', async () => {
    await expectRefused({ username: 'local1', displayname: 'x' }, 409, exists('telekom', 'local1'));
    await expectRefused({ username: 'admin', displayname: 'x' }, 409, exists('telekom', 'admin'));
    await expectRefused({ username: 'plain', displayname: 'x', email: 'p@example.org' }, 409, exists('1', 'plain'), '1');
    expect((await userRowByName(t, 'local1'))?.oidc_provider_id).toBeNull();
    // an account of another provider conflicts as well
    expect((await t.rpc('/rpc', 'createOidcProvider', ['o2'])).result).toBe(2);
    await createOidc(t, { username: 'of-o2', displayname: 'x' }, 'o2');
    await expectRefused({ username: 'of-o2', displayname: 'x' }, 409, exists('telekom', 'of-o2'));
    expect((await userRowByName(t, 'of-o2'))?.oidc_provider_id).toBe(2);
  });

  test('case 9: no displayname → 400; "quota":"lots" → 400; nothing created', async () => {
    await expectRefused({ username: 'case9' }, 400, 'displayname is required');
    await expectRefused({ username: 'case9', displayname: 'x', quota: 'lots' }, 400, 'Invalid quota value lots');
    expect(await userRowByName(t, 'case9')).toBeUndefined();
  });
});

describe('field rules (§6.2)', () => {
  test.each([
    ['missing', { displayname: 'x' }],
    ['null', { username: null, displayname: 'x' }],
    ['empty', { username: '', displayname: 'x' }],
    ['empty body', {}],
  ])('username %s → 400 username is required', async (_name, body) => {
    await expectRefused(body, 400, 'username is required');
  });

  test.each([
    ['leading space', ' lead'],
    ['trailing space', 'trail '],
    ['trailing tab', 'tab\t'],
    ['only spaces', '   '],
    ['leading no-break space', '\u00a0nbsp'],
    ['control character', 'a\u0001b'],
    ['newline', 'a\nb'],
    ['DEL', 'a\u007fb'],
    ['C1 control', 'a\u0085b'],
    ['1025 bytes', `${'é'.repeat(512)}x`],
  ])('username with %s → 400 Invalid value for username', async (_name, username) => {
    await expectRefused({ username, displayname: 'x' }, 400, 'Invalid value for username');
  });

  test('1024 bytes is allowed (and hashed); inner spaces and any other characters are fine', async () => {
    const long = 'é'.repeat(512);
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: long, displayname: 'x' } }), { id: sha256Hex(long) });
    for (const username of ['with inner space', 'user@example.org', 'ÄÖÜ', 'a:b']) {
      expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username, displayname: 'x' } }), { id: username });
    }
  });

  test('displayname: required; "" allowed (reads show the id); 255 characters allowed, 256 refused', async () => {
    await expectRefused({ username: 'dn' }, 400, 'displayname is required');
    await expectRefused({ username: 'dn', displayname: 'é'.repeat(256) }, 400, 'Invalid value for displayname');
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: 'dn-empty', displayname: '' } }), { id: 'dn-empty' });
    expectOk(await oidc(t, 'GET', 'nmcusers/telekom/dn-empty'), userView('dn-empty', { displayname: 'dn-empty' }));
    expect((await userRowByName(t, 'dn-empty'))?.name).toBe('');
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: 'dn-255', displayname: 'é'.repeat(255) } }), { id: 'dn-255' });
    expect((await userRowByName(t, 'dn-255'))?.name).toBe('é'.repeat(255));
  });

  test.each(['not-an-email', 'a@', '@b.c', 'a b@c.d', 'a@b@c.d', ' a@b.c'])('email %j → 400 Invalid value for email', async (email) => {
    await expectRefused({ username: 'bad-email', displayname: 'x', email }, 400, 'Invalid value for email');
  });

  test('email "" is allowed (reads null); altemail is free text up to 255 characters', async () => {
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: 'em-empty', displayname: 'x', email: '', altemail: 'not an address ✓' } }), { id: 'em-empty' });
    expectOk(await oidc(t, 'GET', 'nmcusers/telekom/em-empty'), userView('em-empty', { displayname: 'x', altemail: 'not an address ✓' }));
    await expectRefused({ username: 'alt-long', displayname: 'x', altemail: 'a'.repeat(256) }, 400, 'Invalid value for altemail');
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: 'alt-255', displayname: 'x', altemail: 'é'.repeat(255) } }), { id: 'alt-255' });
  });

  test('checks in order: field validation before the conflict; the first invalid field is named', async () => {
    await expectRefused({ username: 'local1', displayname: 'x', quota: 'lots' }, 400, 'Invalid quota value lots');
    await expectRefused({ username: 'local1' }, 400, 'displayname is required');
    await expectRefused({ username: ' local1', displayname: 'x' }, 400, 'Invalid value for username');
    await expectRefused({ displayname: 'é'.repeat(256), quota: 'lots' }, 400, 'username is required');
  });
});

describe('effect (§2.1, §6.2)', () => {
  test('defaults and the stored row: 3GB as 3221225472, enabled, migrated, backend user_oidc, no password, app-user, no groups', async () => {
    expectOk(await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: 'row-check', displayname: 'Row Check', email: 'r@example.org', altemail: 'alt r' } }), {
      id: 'row-check',
    });
    const row = await userRowByName(t, 'row-check');
    expect(row).toMatchObject({
      username: 'row-check',
      name: 'Row Check',
      email: 'r@example.org',
      address: 'alt r',
      quota: '3221225472',
      is_active: true,
      migrated: true,
      is_oidc_user: true,
      oidc_provider_id: 1,
      oidc_subject: 'row-check',
      password: null,
      role: 'app-user',
      is_ldap_user: false,
    });
    expect(await t.knex('group_has_users').where({ user_id: row?.id })).toEqual([]);
    expect(await t.knex('group_subadmins').where({ user_id: row?.id })).toEqual([]);
    expect(await t.knex('app_passwords').where({ user_id: row?.id })).toEqual([]);
  });

  test('OCS shows the user with backend user_oidc; JSON-RPC user objects show none of the new columns', async () => {
    await createOidc(t, { username: 'ocs-view', displayname: 'OCS View', email: 'o@example.org', altemail: 'alt o', quota: '25GB' });
    const answer = await ocsJson(t, 'GET', 2, 'users/ocs-view');
    expect(answer.data).toMatchObject({ id: 'ocs-view', enabled: true, displayname: 'OCS View', email: 'o@example.org', address: 'alt o', backend: 'user_oidc', groups: [] });
    expect((answer.data as { quota: { quota: number } }).quota.quota).toBe(26843545600);
    const user = (await t.rpc('/rpc', 'getUserByName', ['ocs-view'])).result as Record<string, unknown>;
    for (const column of ['migrated', 'oidc_provider_id', 'oidc_subject', 'is_oidc_user', 'address', 'quota', 'password']) expect(user).not.toHaveProperty(column);
  });

  test('10 parallel creates of the same username → exactly one 200, nine 409, no 5xx, one row', async () => {
    const body = { username: 'racer', displayname: 'Racer' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => oidc(t, 'POST', 'nmcusers/telekom', { json: body })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.text).toBe(`{"message":"${exists('telekom', 'racer')}"}`);
    expect(answers.find((a) => a.status === 200)?.text).toBe('{"id":"racer"}');
    expect(await t.knex('users').where({ username: 'racer' })).toHaveLength(1);
  });
});
