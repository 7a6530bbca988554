/** OCS PUT /users/{userId}: one field per call, who may edit what (ocs-provisioning §6.6, §5.2, §11 cases 15–20). */
import { startTestApp, type TestApp } from '../helpers/app';
import { as, createOcsUser, ocsJson, ocsRequest, PASSWORD, seedOcsFixtures, type OcsCaller, type OcsRequestOptions, type OcsVersion } from '../helpers/ocs';

type Options = Omit<OcsRequestOptions, 'format'>;

/** §4.3: the v2 HTTP status of an error statuscode (v1 is always 200 apart from 997). */
const v2Http = (statuscode: number) => (statuscode === 998 ? 404 : statuscode >= 200 && statuscode <= 600 ? statuscode : 400);

/** The same refused request on v1 and v2: statuscode, message and empty data on both, HTTP per §4.3. */
async function refused(t: TestApp, path: string, options: Options, statuscode: number, message = ''): Promise<void> {
  for (const version of [1, 2] as const) {
    const a = await ocsJson(t, 'PUT', version, path, options);
    expect({ version, status: a.status, statuscode: a.statuscode, message: a.message, data: a.data }).toEqual({
      version,
      status: version === 1 ? 200 : v2Http(statuscode),
      statuscode,
      message,
      data: [],
    });
  }
}

/** A successful edit: 100/200, HTTP 200, message OK, empty data. */
async function edited(t: TestApp, path: string, options: Options, version: OcsVersion = 1): Promise<void> {
  const a = await ocsJson(t, 'PUT', version, path, options);
  expect({ status: a.status, statuscode: a.statuscode, message: a.message, data: a.data }).toEqual({ status: 200, statuscode: version === 1 ? 100 : 200, message: 'OK', data: [] });
}

const COLUMNS = ['name', 'email', 'language', 'quota', 'phone', 'address', 'website', 'twitter', 'password', 'role', 'is_active'] as const;
const row = async (t: TestApp, username: string) => (await t.knex('users').where({ username }).first(...COLUMNS)) as Record<string, unknown>;
const read = async (t: TestApp, username: string) => (await ocsJson(t, 'GET', 2, `users/${username}`)).data as Record<string, unknown>;
const edit = (key: string, value: string, caller?: OcsCaller): Options => ({ form: { key, value }, ...(caller ? { caller } : {}) });

async function startSeeded(): Promise<TestApp> {
  const t = await startTestApp();
  await seedOcsFixtures(t);
  return t;
}

describe('§11 cases 15–20', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startSeeded();
  });
  afterAll(() => t.close());

  test('15: PUT /users/nobody → 101 with an empty message (v2 HTTP 400)', async () => {
    await refused(t, 'users/nobody', edit('email', 'a@b.c'), 101);
  });

  test('16: email notanemail → 102 Invalid email address; 17: key foo → 113; nothing changes', async () => {
    const before = await row(t, 'alice');
    await refused(t, 'users/alice', edit('email', 'notanemail'), 102, 'Invalid email address');
    await refused(t, 'users/alice', edit('foo', 'x'), 113);
    expect(await row(t, 'alice')).toEqual(before);
  });

  test('18: quota 1.5GB → stored 1610612736 and read back as quota.quota', async () => {
    await edited(t, 'users/alice', edit('quota', '1.5GB'));
    expect((await row(t, 'alice')).quota).toBe('1610612736');
    expect((await read(t, 'alice')).quota).toEqual({ free: 1610612736, used: 0, total: 1610612736, relative: 0, quota: 1610612736 });
  });

  test('19: quota none → -3 for free, total and quota', async () => {
    await edited(t, 'users/alice', edit('quota', 'none'), 2);
    expect((await row(t, 'alice')).quota).toBe('none');
    expect((await read(t, 'alice')).quota).toEqual({ free: -3, used: 0, total: -3, relative: 0, quota: -3 });
  });

  test('20: alice editing her own quota → 113, quota unchanged', async () => {
    const before = await row(t, 'alice');
    await refused(t, 'users/alice', edit('quota', '1GB', as('alice')), 113);
    expect(await row(t, 'alice')).toEqual(before);
  });
});

describe('every key, edited by the admin', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startSeeded();
    await createOcsUser(t, { userid: 'ldapu', email: 'ldapu@example.com', displayName: 'Lou Dap' });
    await t.knex('users').where({ username: 'ldapu' }).update({ is_ldap_user: true });
    await createOcsUser(t, { userid: 'oidcu', email: 'oidcu@example.com', displayName: 'Oi Dee' });
    await t.knex('users').where({ username: 'oidcu' }).update({ is_oidc_user: true });
  });
  afterAll(() => t.close());

  const byName = async (username: string) => (await t.rpc('/rpc', 'getUserByName', { username })).result as Record<string, unknown>;

  test('displayname and its alias display: trimmed, ≤ 64 characters, visible over OCS and JSON-RPC', async () => {
    await edited(t, 'users/alice', edit('displayname', '  Alice Brown \t'));
    expect((await row(t, 'alice')).name).toBe('Alice Brown');
    expect(await read(t, 'alice')).toMatchObject({ displayname: 'Alice Brown', 'display-name': 'Alice Brown' });
    expect(await byName('alice')).toMatchObject({ username: 'alice', name: 'Alice Brown' });
    await edited(t, 'users/alice', edit('display', 'Ally'), 2);
    expect((await row(t, 'alice')).name).toBe('Ally');
    await edited(t, 'users/alice', edit('displayname', ` ${'é'.repeat(64)} `));
    expect((await row(t, 'alice')).name).toBe('é'.repeat(64));
  });

  test('displayname or display of 65 characters → 102 Invalid display name, unchanged', async () => {
    const before = await row(t, 'alice');
    await refused(t, 'users/alice', edit('displayname', 'n'.repeat(65)), 102, 'Invalid display name');
    await refused(t, 'users/alice', edit('display', ` ${'n'.repeat(65)} `), 102, 'Invalid display name');
    expect(await row(t, 'alice')).toEqual(before);
  });

  test('an empty displayname clears the name; the display name falls back to the username', async () => {
    await edited(t, 'users/alice', edit('displayname', 'Temp'));
    await edited(t, 'users/alice', edit('displayname', '   '));
    expect((await row(t, 'alice')).name ?? '').toBe('');
    expect(await read(t, 'alice')).toMatchObject({ displayname: 'alice', 'display-name': 'alice' });
  });

  test('email: set (visible over JSON-RPC), and empty clears it to null', async () => {
    await edited(t, 'users/bob', edit('email', 'bob@example.org'));
    expect((await row(t, 'bob')).email).toBe('bob@example.org');
    expect((await read(t, 'bob')).email).toBe('bob@example.org');
    expect(await byName('bob')).toMatchObject({ email: 'bob@example.org' });
    await edited(t, 'users/bob', edit('email', ''), 2);
    expect((await row(t, 'bob')).email ?? '').toBe('');
    expect((await read(t, 'bob')).email).toBeNull();
  });

  test('a missing value is the empty string: email cleared, language refused', async () => {
    await edited(t, 'users/bob', edit('email', 'again@example.org'));
    await edited(t, 'users/bob', { form: { key: 'email' } });
    expect((await row(t, 'bob')).email ?? '').toBe('');
    await refused(t, 'users/bob', { form: { key: 'language' } }, 102, 'Invalid language');
  });

  test('password: the old one stops working, the new one works, app passwords survive', async () => {
    const minted = await t.rpc('/rpc', 'createMyAppPassword', { name: 'cli' }, ['bob', PASSWORD]);
    const token = (minted.result as { token: string }).token;
    const before = (await row(t, 'bob')).password;
    await edited(t, 'users/bob', edit('password', 'Brand-new-pw-2'));
    expect((await row(t, 'bob')).password).not.toBe(before);
    const old = await ocsJson(t, 'GET', 1, 'user', { caller: ['bob', PASSWORD] });
    expect([old.status, old.statuscode, old.message]).toEqual([401, 997, 'Unauthorised']);
    const fresh = await ocsJson(t, 'GET', 1, 'user', { caller: ['bob', 'Brand-new-pw-2'] });
    expect([fresh.status, fresh.statuscode]).toEqual([200, 100]);
    expect((fresh.data as { id: string }).id).toBe('bob');
    expect((await ocsJson(t, 'GET', 2, 'user', { caller: ['bob', token] })).statuscode).toBe(200);
  });

  test('password: 469 bytes is the longest accepted, and logs in', async () => {
    const longest = 'p'.repeat(469);
    await edited(t, 'users/bob', edit('password', longest), 2);
    expect((await ocsJson(t, 'GET', 1, 'user', { caller: ['bob', longest] })).statuscode).toBe(100);
  });

  test('password: 470 bytes → 102, shorter than 6 characters or empty → 107; hash unchanged', async () => {
    const before = await row(t, 'carol');
    await refused(t, 'users/carol', edit('password', 'p'.repeat(470)), 102, 'Invalid password value');
    // 235 two-byte characters: 470 bytes, though only 235 characters.
    await refused(t, 'users/carol', edit('password', 'é'.repeat(235)), 102, 'Invalid password value');
    await refused(t, 'users/carol', edit('password', 'abc'), 107, 'Password must be at least 6 characters long');
    await refused(t, 'users/carol', edit('password', ''), 107, 'Password must be at least 6 characters long');
    expect(await row(t, 'carol')).toEqual(before);
    expect((await ocsJson(t, 'GET', 1, 'user', { caller: as('carol') })).statuscode).toBe(100);
  });

  test.each([
    ['ldapu', 'LDAP'],
    ['oidcu', 'user_oidc'],
  ])('%s (%s backend): password → 103 (after the 102 length check), display name → 113, email is fine', async (user, backend) => {
    expect((await read(t, user)).backend).toBe(backend);
    const before = await row(t, user);
    const unsupported = 'Setting the password is not supported by the users backend';
    await refused(t, `users/${user}`, edit('password', 'Valid-pw-123'), 103, unsupported);
    await refused(t, `users/${user}`, edit('password', 'abc'), 103, unsupported);
    await refused(t, `users/${user}`, edit('password', 'p'.repeat(470)), 102, 'Invalid password value');
    await refused(t, `users/${user}`, edit('displayname', 'New Name'), 113);
    await refused(t, `users/${user}`, edit('display', 'New Name'), 113);
    expect(await row(t, user)).toEqual(before);
    await edited(t, `users/${user}`, edit('email', `${user}@example.org`));
    expect((await row(t, user)).email).toBe(`${user}@example.org`);
  });

  test('language: de_DE and fr are stored; EN, de_de and empty → 102 Invalid language', async () => {
    await edited(t, 'users/alice', edit('language', 'de_DE'));
    expect((await row(t, 'alice')).language).toBe('de_DE');
    expect((await read(t, 'alice')).language).toBe('de_DE');
    await edited(t, 'users/alice', edit('language', 'fr'), 2);
    const before = await row(t, 'alice');
    for (const value of ['EN', 'de_de', '']) await refused(t, 'users/alice', edit('language', value), 102, 'Invalid language');
    expect(await row(t, 'alice')).toEqual(before);
    expect(before.language).toBe('fr');
  });

  test.each([
    ['phone', '+49 30 1234 ', 'Invalid phone'],
    ['address', ' 1 Main St, Springfield', 'Invalid address'],
    ['twitter', '@alice', 'Invalid twitter'],
  ])('%s: stored as given (255 characters after trimming fit); 256 → 102', async (key, value, message) => {
    await edited(t, 'users/alice', edit(key, value));
    expect((await row(t, 'alice'))[key]).toBe(value);
    expect((await read(t, 'alice'))[key]).toBe(value);
    await edited(t, 'users/alice', edit(key, 'x'.repeat(255)), 2);
    expect((await row(t, 'alice'))[key]).toBe('x'.repeat(255));
    const before = await row(t, 'alice');
    await refused(t, 'users/alice', edit(key, ` ${'y'.repeat(256)} `), 102, message);
    await refused(t, 'users/alice', edit(key, 'é'.repeat(256)), 102, message);
    expect(await row(t, 'alice')).toEqual(before);
    await edited(t, 'users/alice', edit(key, ''));
    expect((await row(t, 'alice'))[key]).toBe('');
  });

  test('website: http(s) URLs and empty are stored; ftp://x and notaurl → 102 Invalid website', async () => {
    await edited(t, 'users/alice', edit('website', 'https://x.org'));
    expect((await row(t, 'alice')).website).toBe('https://x.org');
    expect((await read(t, 'alice')).website).toBe('https://x.org');
    await edited(t, 'users/alice', edit('website', 'http://example.com/~alice'), 2);
    const before = await row(t, 'alice');
    for (const value of ['ftp://x', 'notaurl', `https://x.org/${'p'.repeat(243)}`]) {
      await refused(t, 'users/alice', edit('website', value), 102, 'Invalid website');
    }
    expect(await row(t, 'alice')).toEqual(before);
    await edited(t, 'users/alice', edit('website', ''));
    expect((await row(t, 'alice')).website).toBe('');
  });

  test('quota: 100MB and "100 mb" → 104857600; default; ABC → 102 Invalid quota value ABC', async () => {
    await edited(t, 'users/bob', edit('quota', '100MB'));
    expect((await row(t, 'bob')).quota).toBe('104857600');
    await edited(t, 'users/bob', edit('quota', '0'));
    expect((await row(t, 'bob')).quota).toBe('0');
    await edited(t, 'users/bob', edit('quota', '100 mb'), 2);
    expect((await row(t, 'bob')).quota).toBe('104857600');
    expect(((await read(t, 'bob')).quota as { quota: number }).quota).toBe(104857600);
    const before = await row(t, 'bob');
    await refused(t, 'users/bob', edit('quota', 'ABC'), 102, 'Invalid quota value ABC');
    await refused(t, 'users/bob', edit('quota', '3 GiB'), 102, 'Invalid quota value 3 GiB');
    await refused(t, 'users/bob', edit('quota', '-1'), 102, 'Invalid quota value -1');
    expect(await row(t, 'bob')).toEqual(before);
    await edited(t, 'users/bob', edit('quota', 'Default'));
    expect((await row(t, 'bob')).quota).toBe('default');
    // DEFAULT_QUOTA is `none` unless configured.
    expect(((await read(t, 'bob')).quota as { quota: number }).quota).toBe(-3);
  });

  test.each(['locale', 'manager', 'notify_email', 'additional_mail', 'emailScope', 'displaynameScope', 'fediverse', 'enabled', 'Email', ''])(
    'key %j → 113, nothing changes',
    async (key) => {
      const before = await row(t, 'alice');
      await refused(t, 'users/alice', edit(key, 'x@example.org'), 113);
      expect(await row(t, 'alice')).toEqual(before);
    },
  );
});

describe('who may edit whom', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startSeeded();
    // The admin joins team: sub still may not manage them (an admin is never accessible).
    expect((await ocsJson(t, 'POST', 1, 'users/admin/groups', { form: { groupid: 'team' } })).statuscode).toBe(100);
  });
  afterAll(() => t.close());

  test('plain editing alice → 101 "" (check 1 precedes the key check); alice unchanged', async () => {
    const before = await row(t, 'alice');
    await refused(t, 'users/alice', edit('email', 'x@example.org', as('plain')), 101);
    await refused(t, 'users/alice', edit('foo', 'x', as('plain')), 101);
    await refused(t, 'users/alice', edit('quota', '1GB', as('plain')), 101);
    expect(await row(t, 'alice')).toEqual(before);
  });

  test('plain editing themself: profile fields yes, quota → 113', async () => {
    await edited(t, 'users/plain', edit('email', 'plain@example.org', as('plain')));
    await edited(t, 'users/plain', edit('displayname', 'Plain Person', as('plain')), 2);
    await edited(t, 'users/plain', edit('phone', '123', as('plain')));
    expect(await row(t, 'plain')).toMatchObject({ email: 'plain@example.org', name: 'Plain Person', phone: '123', quota: 'default' });
    await refused(t, 'users/plain', edit('quota', '1GB', as('plain')), 113);
    expect((await row(t, 'plain')).quota).toBe('default');
  });

  test('sub editing carol (a member of team): email and quota', async () => {
    await edited(t, 'users/carol', edit('email', 'carol@example.org', as('sub')));
    await edited(t, 'users/carol', edit('quota', '2GB', as('sub')), 2);
    expect(await row(t, 'carol')).toMatchObject({ email: 'carol@example.org', quota: '2147483648' });
  });

  test('sub editing the admin (in team, but an admin) or plain (not in team) → 101', async () => {
    const admin = await row(t, 'admin');
    const plain = await row(t, 'plain');
    await refused(t, 'users/admin', edit('email', 'x@example.org', as('sub')), 101);
    await refused(t, 'users/admin', edit('password', 'Taken-over-1', as('sub')), 101);
    await refused(t, 'users/plain', edit('email', 'x@example.org', as('sub')), 101);
    expect(await row(t, 'admin')).toEqual(admin);
    expect(await row(t, 'plain')).toEqual(plain);
  });

  test('sub editing themself uses the self column: email yes, quota → 113', async () => {
    await edited(t, 'users/sub', edit('email', 'sub@example.org', as('sub')));
    await refused(t, 'users/sub', edit('quota', '5GB', as('sub')), 113);
    expect(await row(t, 'sub')).toMatchObject({ email: 'sub@example.org', quota: 'default' });
  });

  test('the admin edits their own quota', async () => {
    await edited(t, 'users/admin', edit('quota', '25GB'));
    expect((await row(t, 'admin')).quota).toBe('26843545600');
  });
});

describe('request shapes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startSeeded();
  });
  afterAll(() => t.close());

  test('a JSON body works on PUT', async () => {
    await edited(t, 'users/alice', { json: { key: 'email', value: 'json@example.org' } }, 2);
    expect((await row(t, 'alice')).email).toBe('json@example.org');
    await refused(t, 'users/alice', { json: { key: 'quota', value: 'ABC' } }, 102, 'Invalid quota value ABC');
  });

  test('key and value from the query string; the body overrides the query', async () => {
    await edited(t, 'users/alice?key=twitter&value=%40q', {});
    expect((await row(t, 'alice')).twitter).toBe('@q');
    await edited(t, 'users/alice?key=twitter&value=%40q', { form: { value: '@body' } });
    expect((await row(t, 'alice')).twitter).toBe('@body');
  });

  test('the path id falls back to a unique case-insensitive match', async () => {
    await edited(t, 'users/ALICE', edit('phone', '555'));
    expect((await row(t, 'alice')).phone).toBe('555');
  });

  test('an error in XML (v2): meta with the message, empty data', async () => {
    const res = await ocsRequest(t, 'PUT', 2, 'users/alice', { ...edit('email', 'notanemail'), format: 'xml' });
    expect(res.status).toBe(400);
    expect(res.text).toBe(
      '<?xml version="1.0"?>\n<ocs>\n <meta>\n  <status>failure</status>\n  <statuscode>102</statuscode>\n' +
        '  <message>Invalid email address</message>\n </meta>\n <data/>\n</ocs>\n',
    );
  });
});
