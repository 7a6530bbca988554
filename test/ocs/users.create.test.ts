/** OCS POST /users (ocs-provisioning §6.3, §12 rows 1–3, 27, 32; §11 cases 10–14). */
import { startTestApp, type TestApp } from '../helpers/app';
import { as, createOcsUser, ocsJson, ocsRequest, PASSWORD, seedOcsFixtures, type OcsCaller } from '../helpers/ocs';

type Fields = Record<string, string | readonly string[]>;

const CHARACTERS = 'Only the following characters are allowed in a username: "a-z", "A-Z", "0-9", spaces and "_.@-\'"';

interface Counts {
  users: number;
  memberships: number;
  subadmins: number;
}

async function counts(t: TestApp): Promise<Counts> {
  const count = async (table: string) => Number((await t.knex(table).count({ c: '*' }).first())!.c);
  return { users: await count('users'), memberships: await count('group_has_users'), subadmins: await count('group_subadmins') };
}

async function rpcUser(t: TestApp, username: string): Promise<Record<string, unknown> | undefined> {
  return (await t.rpc('/rpc', 'getUserByName', { username })).result as Record<string, unknown> | undefined;
}

/** A refusal on v1 and v2 (form body), then nothing was written. */
async function refused(t: TestApp, fields: Fields, statuscode: number, message: string, caller: OcsCaller = as('admin'), v2Status = 400): Promise<void> {
  const before = await counts(t);
  const v2 = await ocsJson(t, 'POST', 2, 'users', { form: fields, caller });
  expect([v2.status, v2.statuscode, v2.message]).toEqual([v2Status, statuscode, message]);
  expect(v2.text).toBe(`{"ocs":{"meta":{"status":"failure","statuscode":${statuscode},"message":${JSON.stringify(message)}},"data":[]}}`);
  const v1 = await ocsJson(t, 'POST', 1, 'users', { json: fields, caller });
  expect([v1.status, v1.statuscode, v1.message, v1.data]).toEqual([200, statuscode, message, []]);
  expect(await counts(t)).toEqual(before);
}

async function created(t: TestApp, fields: Fields, caller: OcsCaller = as('admin')): Promise<void> {
  const answer = await ocsJson(t, 'POST', 2, 'users', { form: fields, caller });
  expect([answer.status, answer.statuscode, answer.data]).toEqual([200, 200, { id: fields.userid }]);
}

const groupsOf = async (t: TestApp, table: 'group_has_users' | 'group_subadmins', username: string): Promise<string[]> =>
  (
    await t
      .knex(table)
      .join('groups', 'groups.id', `${table}.group_id`)
      .join('users', 'users.id', `${table}.user_id`)
      .where('users.username', username)
      .select('groups.name')
  )
    .map((r: { name: string }) => r.name)
    .sort();

describe('§6.3 refusals: each check with its code, message and HTTP status; nothing written', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seedOcsFixtures(t);
  });
  afterAll(() => t.close());

  const pw = { password: 'S3cure-pw!' };

  test('1: 102 User already exists, also case-insensitively', async () => {
    await refused(t, { userid: 'alice', ...pw }, 102, 'User already exists');
    await refused(t, { userid: 'ALICE', ...pw }, 102, 'User already exists');
    await refused(t, { userid: 'Admin', ...pw }, 102, 'User already exists');
  });

  test('2: 104 group <g> does not exist', async () => {
    await refused(t, { userid: 'g0', ...pw, groups: ['nogroup'] }, 104, 'group nogroup does not exist');
    await refused(t, { userid: 'g0', ...pw, groups: ['team', 'Team'] }, 104, 'group Team does not exist');
  });

  test('3: 105 insufficient privileges for group <g> (subadmin)', async () => {
    await refused(t, { userid: 'g3a', ...pw, groups: ['other'] }, 105, 'insufficient privileges for group other', as('sub'));
    await refused(t, { userid: 'g3a', ...pw, groups: ['team', 'admin'] }, 105, 'insufficient privileges for group admin', as('sub'));
  });

  test('4: 106 no group specified (case 14)', async () => {
    await refused(t, { userid: 'g3', ...pw }, 106, 'no group specified (required for subadmins)', as('sub'));
  });

  test('5: 109 / 103 / 403 for subadmin groups (case 12: nothing created)', async () => {
    await refused(t, { userid: 'g1', ...pw, quota: '25GB', groups: ['team'], subadmin: ['nogroup'] }, 109, 'Sub-admin group does not exist');
    expect(await t.knex('users').where({ username: 'g1' }).first()).toBeUndefined();
    await refused(t, { userid: 'g4', ...pw, subadmin: ['admin'] }, 103, 'Cannot create subadmins for admin group');
    await refused(t, { userid: 'g5', ...pw, groups: ['team'], subadmin: ['other'] }, 403, 'No permissions to promote subadmins', as('sub'), 403);
    await refused(t, { userid: 'g5', ...pw, groups: ['team'], subadmin: ['team', 'admin'] }, 103, 'Cannot create subadmins for admin group', as('sub'));
    await refused(t, { userid: 'g5', ...pw, groups: ['team'], subadmin: ['nogroup'] }, 109, 'Sub-admin group does not exist', as('sub'));
  });

  test('6: 101 Invalid password value above 469 bytes', async () => {
    await refused(t, { userid: 'p1', password: 'x'.repeat(470) }, 101, 'Invalid password value');
    await refused(t, { userid: 'p1', password: 'é'.repeat(235) }, 101, 'Invalid password value');
  });

  test('7: 108 no password and no email', async () => {
    await refused(t, { userid: 'p2' }, 108, 'To send a password link to the user an email address is required.');
    await refused(t, { userid: 'p2', password: '', email: '' }, 108, 'To send a password link to the user an email address is required.');
  });

  test('8–12: the username rules', async () => {
    for (const userid of ['bad!', 'a/b', 'tab\tx', 'ümlaut', 'a+b', 'new\nline']) await refused(t, { userid, ...pw }, 101, CHARACTERS);
    await refused(t, { userid: '', ...pw }, 101, 'A valid username must be provided');
    await refused(t, { ...pw }, 101, 'A valid username must be provided');
    for (const userid of [' lead', 'trail ', ' ']) await refused(t, { userid, ...pw }, 101, 'Username contains whitespace at the beginning or at the end');
    for (const userid of ['.', '..']) await refused(t, { userid, ...pw }, 101, 'Username must not consist of dots only');
    await refused(t, { userid: 'u'.repeat(65), ...pw }, 101, 'Username is too long');
  });

  test('8: a NUL in userid is a character outside the allowed set', async () => {
    // Regression: NUL is outside the allowed username characters, so §6.3 check 8 answers 101 with the
    // characters message (the NUL rule no longer pre-empts it with an empty message).
    await refused(t, { userid: 'a\u0000b', ...pw }, 101, CHARACTERS);
  });

  test('13: 107 password shorter than 6 characters', async () => {
    await refused(t, { userid: 'p3', password: 'abcde' }, 107, 'Password must be at least 6 characters long');
    await refused(t, { userid: 'p3', password: 'ééééé' }, 107, 'Password must be at least 6 characters long');
  });

  test('14–17: display name, email, quota (case 13), language', async () => {
    await refused(t, { userid: 'v1', ...pw, displayName: 'd'.repeat(65) }, 101, 'Invalid display name');
    await refused(t, { userid: 'v1', ...pw, email: 'notanemail' }, 101, 'Invalid email address');
    await refused(t, { userid: 'g2', ...pw, quota: 'ABC' }, 101, 'Invalid quota value ABC');
    expect(await t.knex('users').where({ username: 'g2' }).first()).toBeUndefined();
    for (const quota of ['3 GiB', '-1', '100m', '1,5GB', 'unlimited']) await refused(t, { userid: 'v1', ...pw, quota }, 101, `Invalid quota value ${quota}`);
    for (const language of ['EN', 'en_us', 'e', 'english', 'en-US']) await refused(t, { userid: 'v1', ...pw, language }, 101, 'Invalid language');
  });

  test('check order when two checks fail at once', async () => {
    await refused(t, { userid: 'alice', ...pw, groups: ['nogroup'] }, 102, 'User already exists');
    await refused(t, { userid: 'alice', ...pw }, 102, 'User already exists', as('sub')); // 1 before 4
    await refused(t, { userid: 'o1', ...pw, groups: ['nogroup'], quota: 'ABC' }, 104, 'group nogroup does not exist');
    await refused(t, { userid: 'o1', ...pw, groups: ['other', 'nogroup'] }, 104, 'group nogroup does not exist', as('sub')); // 2 before 3
    await refused(t, { userid: 'o1', ...pw, subadmin: ['nogroup'] }, 106, 'no group specified (required for subadmins)', as('sub'));
    await refused(t, { userid: 'o1', password: 'x'.repeat(470), subadmin: ['nogroup'] }, 109, 'Sub-admin group does not exist');
    await refused(t, { userid: 'o1', subadmin: ['nogroup', 'admin'] }, 109, 'Sub-admin group does not exist');
    await refused(t, { userid: 'o1', ...pw, subadmin: ['admin', 'nogroup'] }, 103, 'Cannot create subadmins for admin group');
    await refused(t, { userid: 'bad!', password: 'x'.repeat(470) }, 101, 'Invalid password value');
    await refused(t, { userid: 'bad!' }, 108, 'To send a password link to the user an email address is required.');
    await refused(t, { userid: 'bad!', password: 'abc' }, 101, CHARACTERS);
    await refused(t, { userid: 'o1', password: 'abc', displayName: 'd'.repeat(65) }, 107, 'Password must be at least 6 characters long');
    await refused(t, { userid: 'o1', ...pw, displayName: 'd'.repeat(65), email: 'notanemail' }, 101, 'Invalid display name');
    await refused(t, { userid: 'o1', ...pw, email: 'notanemail', quota: 'ABC' }, 101, 'Invalid email address');
    await refused(t, { userid: 'o1', ...pw, quota: 'ABC', language: 'EN' }, 101, 'Invalid quota value ABC');
  });

  test('plain user: 403 before any check; v2 XML error bytes of §4.6', async () => {
    await refused(t, { userid: 'alice', ...pw }, 403, 'Logged in account must be at least a sub admin', as('plain'), 403);
    const res = await ocsRequest(t, 'POST', 2, 'users', { form: { userid: 'alice', ...pw } });
    expect(res.status).toBe(400);
    expect(res.text).toBe(
      '<?xml version="1.0"?>\n<ocs>\n <meta>\n  <status>failure</status>\n  <statuscode>102</statuscode>\n  <message>User already exists</message>\n </meta>\n <data/>\n</ocs>\n',
    );
  });
});

describe('§6.3 successful creation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seedOcsFixtures(t);
  });
  afterAll(() => t.close());

  test('case 10 (form, v1 XML) and JSON; case 11 (NEWU) → 102', async () => {
    const res = await ocsRequest(t, 'POST', 1, 'users', { form: 'userid=newu&password=S3cure-pw!' });
    expect(res.status).toBe(200);
    expect(res.text).toBe(
      [
        '<?xml version="1.0"?>',
        '<ocs>',
        ' <meta>',
        '  <status>ok</status>',
        '  <statuscode>100</statuscode>',
        '  <message>OK</message>',
        '  <totalitems></totalitems>',
        '  <itemsperpage></itemsperpage>',
        ' </meta>',
        ' <data>',
        '  <id>newu</id>',
        ' </data>',
        '</ocs>',
        '',
      ].join('\n'),
    );
    const json = await ocsJson(t, 'POST', 1, 'users', { json: { userid: 'newj', password: 'S3cure-pw!' } });
    expect(json.text).toBe('{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""},"data":{"id":"newj"}}}');
    const v2 = await ocsJson(t, 'POST', 2, 'users', { json: { userid: 'Frank', password: 'frankspw', groups: ['team'] } });
    expect(v2.text).toBe('{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"id":"Frank"}}}');
    await refused(t, { userid: 'NEWU', password: 'S3cure-pw!' }, 102, 'User already exists');
    await refused(t, { userid: 'newu', password: 'S3cure-pw!' }, 102, 'User already exists');
    expect(Number((await t.knex('users').whereRaw('lower(username) = ?', ['newu']).count({ c: '*' }).first())!.c)).toBe(1);
  });

  test('the new user logs in with the password on GET /user', async () => {
    const me = await ocsJson(t, 'GET', 2, 'user', { caller: ['newu', 'S3cure-pw!'] });
    expect([me.status, me.statuscode]).toEqual([200, 200]);
    expect(me.data).toMatchObject({ id: 'newu', displayname: 'newu', email: null, groups: [], language: 'en' });
    const wrong = await ocsJson(t, 'GET', 2, 'user', { caller: ['newu', 'wrong-pw!'] });
    expect([wrong.status, wrong.statuscode, wrong.message]).toEqual([401, 997, 'Unauthorised']);
  });

  test('every column, group and subadmin row is stored; JSON-RPC sees the same user as app-user', async () => {
    await created(t, {
      userid: 'full',
      password: 'S3cure-pw!',
      displayName: 'Full Name',
      email: 'full@example.com',
      language: 'de_DE',
      quota: '25GB',
      groups: ['team', 'other'],
      subadmin: ['other', 'team'],
    });
    const row = await t.knex('users').where({ username: 'full' }).first();
    expect(row).toMatchObject({ name: 'Full Name', email: 'full@example.com', language: 'de_DE', quota: '26843545600', role: 'app-user', is_active: true, is_ldap_user: false });
    expect(row.password).toMatch(/^\$2[aby]\$/);
    expect(await groupsOf(t, 'group_has_users', 'full')).toEqual(['other', 'team']);
    expect(await groupsOf(t, 'group_subadmins', 'full')).toEqual(['other', 'team']);
    expect(await rpcUser(t, 'full')).toMatchObject({ id: Number(row.id), username: 'full', name: 'Full Name', email: 'full@example.com', role: 'app-user', is_active: true });
    const read = await ocsJson(t, 'GET', 2, 'users/full');
    expect(read.data).toMatchObject({
      id: 'full',
      displayname: 'Full Name',
      email: 'full@example.com',
      language: 'de_DE',
      groups: ['other', 'team'],
      subadmin: ['other', 'team'],
      quota: { free: 26843545600, used: 0, total: 26843545600, relative: 0, quota: 26843545600 },
    });
  });

  test('defaults: no quota → default, no language → NULL/empty, no name and email → empty', async () => {
    await created(t, { userid: 'plainnew', password: 'S3cure-pw!' });
    const row = await t.knex('users').where({ username: 'plainnew' }).first();
    expect(row.quota).toBe('default');
    expect(row.language ?? '').toBe('');
    expect(row.name ?? '').toBe('');
    expect(row.email ?? '').toBe('');
    expect(await rpcUser(t, 'plainnew')).toMatchObject({ username: 'plainnew', role: 'app-user' });
  });

  test('limits that pass: 469-byte password, 64-byte username, 64-character names, valid languages and quotas', async () => {
    const long = 'p'.repeat(469);
    await created(t, { userid: 'u'.repeat(64), password: long, displayName: 'é'.repeat(64) });
    expect((await ocsJson(t, 'GET', 2, 'user', { caller: ['u'.repeat(64), long] })).statuscode).toBe(200);
    await created(t, { userid: "o'brien.x-y_z@host 2", password: 'é'.repeat(6), displayName: 'd'.repeat(64) });
    for (const [userid, language] of [['l1', 'de_DE'], ['l2', 'deu'], ['l3', 'en']]) {
      await created(t, { userid, password: 'S3cure-pw!', language });
      expect((await t.knex('users').where({ username: userid }).first()).language).toBe(language);
    }
    for (const [userid, quota, stored] of [['q1', '100 mb', '104857600'], ['q2', '1.5GB', '1610612736'], ['q3', 'NONE', 'none'], ['q4', '0', '0'], ['q5', ' Default ', 'default']]) {
      await created(t, { userid, password: 'S3cure-pw!', quota });
      expect((await t.knex('users').where({ username: userid }).first()).quota).toBe(stored);
    }
  });

  test('parameter names are case-sensitive; a scalar groups value is a one-element list', async () => {
    await created(t, { userid: 'names', password: 'S3cure-pw!', displayname: 'Ignored', manager: 'alice' });
    expect((await t.knex('users').where({ username: 'names' }).first()).name ?? '').toBe('');
    const answer = await ocsJson(t, 'POST', 2, 'users', { json: { userid: 'scalar', password: 'S3cure-pw!', groups: 'team' } });
    expect(answer.statuscode).toBe(200);
    expect(await groupsOf(t, 'group_has_users', 'scalar')).toEqual(['team']);
  });

  test('joining admin makes the user app-admin', async () => {
    await created(t, { userid: 'boss', password: 'S3cure-pw!', groups: ['admin'] });
    expect(await rpcUser(t, 'boss')).toMatchObject({ username: 'boss', role: 'app-admin' });
    expect(await groupsOf(t, 'group_has_users', 'boss')).toEqual(['admin']);
    const asBoss = await ocsJson(t, 'GET', 2, 'users', { caller: ['boss', 'S3cure-pw!'] });
    expect(asBoss.statuscode).toBe(200);
  });

  test('without a password (email given): the user exists but cannot log in', async () => {
    await created(t, { userid: 'nopw', email: 'nopw@example.com', displayName: 'No Pw' });
    expect(await rpcUser(t, 'nopw')).toMatchObject({ username: 'nopw', name: 'No Pw', email: 'nopw@example.com', role: 'app-user' });
    for (const secret of ['', PASSWORD, 'S3cure-pw!', 'nopw']) {
      const answer = await ocsJson(t, 'GET', 2, 'user', { caller: ['nopw', secret] });
      expect([answer.status, answer.statuscode]).toEqual([401, 997]);
    }
  });

  test('a subadmin creates users in their group, also as subadmin of it', async () => {
    await created(t, { userid: 'bysub', password: 'S3cure-pw!', groups: ['team'] }, as('sub'));
    expect(await groupsOf(t, 'group_has_users', 'bysub')).toEqual(['team']);
    await created(t, { userid: 'bysub2', password: 'S3cure-pw!', groups: ['team'], subadmin: ['team'] }, as('sub'));
    expect(await groupsOf(t, 'group_subadmins', 'bysub2')).toEqual(['team']);
    const list = await ocsJson(t, 'GET', 2, 'users', { caller: as('sub') });
    expect((list.data as { users: string[] }).users).toEqual(expect.arrayContaining(['bysub', 'bysub2']));
    expect(await rpcUser(t, 'bysub')).toMatchObject({ username: 'bysub', name: '', email: '', role: 'app-user' });
  });

  test('users created by the fixture helper are visible over JSON-RPC', async () => {
    expect(await rpcUser(t, 'alice')).toMatchObject({ username: 'alice', name: 'Alice Adams', email: 'alice@example.com', role: 'app-user' });
    await createOcsUser(t, { userid: 'viahelper', email: 'vh@example.org' });
    expect(await rpcUser(t, 'viahelper')).toMatchObject({ username: 'viahelper', email: 'vh@example.org', role: 'app-user' });
  });
});

describe('§6.3 check 18: an unexpected failure rolls everything back (§12 row 1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seedOcsFixtures(t);
  });
  afterAll(() => t.close());

  test('a failing subadmin insert → 103, and neither the user nor its membership stays', async () => {
    await t.knex.raw(`CREATE FUNCTION ocs_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$`);
    await t.knex.raw('CREATE TRIGGER ocs_test_refuse BEFORE INSERT ON group_subadmins FOR EACH ROW EXECUTE FUNCTION ocs_test_refuse()');
    try {
      await refused(t, { userid: 'boom', password: 'S3cure-pw!', groups: ['team'], subadmin: ['team'] }, 103, 'Unknown error occurred whilst adding the user');
      expect(await t.knex('users').where({ username: 'boom' }).first()).toBeUndefined();
    } finally {
      await t.knex.raw('DROP TRIGGER ocs_test_refuse ON group_subadmins');
    }
    await created(t, { userid: 'boom', password: 'S3cure-pw!', groups: ['team'], subadmin: ['team'] });
  });
});

describe('§6.3 concurrency', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  // Without a password no hash is computed first, so the requests reach their transactions together.
  const burst = (userids: string[]) =>
    Promise.all(userids.map((userid) => ocsJson(t, 'POST', 2, 'users', { form: { userid, email: 'race@example.com' } })));

  test('10 parallel creations of one userid: one 200, nine 102, one row', async () => {
    const answers = await burst(Array.from({ length: 10 }, () => 'race'));
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(answers.map((a) => a.statuscode).sort()).toEqual([102, 102, 102, 102, 102, 102, 102, 102, 102, 200]);
    for (const a of answers.filter((x) => x.statuscode === 102)) expect([a.status, a.message]).toEqual([400, 'User already exists']);
    expect(Number((await t.knex('users').where({ username: 'race' }).count({ c: '*' }).first())!.c)).toBe(1);
  });

  test('parallel creations differing only in case: one 200, the rest 102, one row per name', async () => {
    const stems = ['fold', 'case', 'mixd', 'vary', 'upcs'];
    // ten spellings of a four-letter stem: bit j of i upper-cases letter j
    const variants = (stem: string) => Array.from({ length: 10 }, (_, i) => [...stem].map((c, j) => ((i >> j) & 1 ? c.toUpperCase() : c)).join(''));
    const rows: Record<string, number> = {};
    for (const stem of stems) {
      const answers = await burst(variants(stem));
      expect(answers.filter((a) => a.status >= 500)).toEqual([]);
      expect(answers.filter((a) => ![102, 200].includes(a.statuscode))).toEqual([]);
      rows[stem] = Number((await t.knex('users').whereRaw('lower(username) = ?', [stem]).count({ c: '*' }).first())!.c);
    }
    // Regression: concurrent creations that differ only in case are serialised, so §6.3 check 1 / §12 row 27
    // (no case-insensitive duplicates) holds under concurrency: exactly one row per folded name.
    expect(rows).toEqual(Object.fromEntries(stems.map((s) => [s, 1])));
  });
});
