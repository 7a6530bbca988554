/**
 * createLdapUser (contract §7.1) against a real OpenLDAP (test/helpers/ldap.ts): the user from the
 * directory, not found / several / taken, filter injection, not configured, the `ldap` component
 * disabled, an unreachable or silent directory, a refused service bind, and group sync.
 */
import { setAppEnabled } from '../../src/db/repositories/appState';
import { startTestApp, type TestApp } from '../helpers/app';
import { closedPort } from '../helpers/smtp';
import { ocsRequest } from '../helpers/ocs';
import { BASE_DN, GROUPS_DN, LDAP_SERVICE, groupDn, startLdapServer, startSilentLdapServer, type LdapServer } from '../helpers/ldap';

let ldap: LdapServer;
beforeAll(async () => {
  ldap = await startLdapServer();
});
afterAll(() => ldap?.stop());

const apps: TestApp[] = [];
async function app(env: Record<string, string> = {}, options: { ldap?: boolean } = {}): Promise<TestApp> {
  const t = await startTestApp({ env: { ...(options.ldap === false ? {} : ldap.env), ...env } });
  apps.push(t);
  return t;
}
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
});

const NOT_FOUND = { code: -32001, message: 'Not found', data: { reason: 'not_found', resource: 'ldap_user' } };
const TAKEN = { code: -32002, message: 'Already exists', data: { reason: 'already_exists', resource: 'user', field: 'username' } };
const precondition = (reason: string) => ({ code: -32005, message: 'Precondition failed', data: { reason } });

async function create(t: TestApp, username: unknown) {
  return t.rpc('/rpc', 'createLdapUser', [username]);
}

async function userRow(t: TestApp, id: number) {
  return t.knex('users').where({ id }).first('username', 'password', 'is_ldap_user', 'name', 'email', 'role', 'is_active');
}

async function memberGroups(t: TestApp, id: number): Promise<string[]> {
  const res = await t.rpc('/rpc', 'getMemberGroups', [id]);
  return (res.result as { name: string }[]).map((g) => g.name).sort();
}

describe('a directory user', () => {
  test('becomes an active app-user with is_ldap_user, no password, name and email from the directory', async () => {
    const t = await app();
    const res = await create(t, 'alice');
    expect(res).toEqual({ jsonrpc: '2.0', result: expect.any(Number), id: 1 });
    const id = res.result as number;
    expect(await userRow(t, id)).toEqual({
      username: 'alice',
      password: null,
      is_ldap_user: true,
      name: 'Alice Liddell',
      email: 'alice@example.org',
      role: 'app-user',
      is_active: true,
    });
    const user = (await t.rpc('/rpc', 'getUser', [id])).result as Record<string, unknown>;
    expect(user).toMatchObject({ id, username: 'alice', is_ldap_user: true, name: 'Alice Liddell', email: 'alice@example.org', role: 'app-user' });
    expect(user).not.toHaveProperty('password');
    expect(await memberGroups(t, id)).toEqual([]); // no LDAP_USER_ATTRIBUTE_GROUPS: no group sync
  });

  test('Kanboard mode answers the id; a second call for the same user answers false', async () => {
    const t = await app();
    const first = await t.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'createLdapUser', params: ['bob'], id: 7 });
    expect(first.body).toEqual({ jsonrpc: '2.0', result: expect.any(Number), id: 7 });
    const again = await t.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'createLdapUser', params: { username: 'bob' }, id: 8 });
    expect(again.text).toBe('{"jsonrpc":"2.0","result":false,"id":8}');
  });

  test('an invalid directory email is stored as "", a missing one too', async () => {
    const t = await app();
    const carol = (await create(t, 'carol')).result as number;
    const dave = (await create(t, 'dave')).result as number;
    expect(await userRow(t, carol)).toMatchObject({ username: 'carol', name: 'Carol Invalid', email: '' });
    expect(await userRow(t, dave)).toMatchObject({ username: 'dave', name: 'Dave Nomail', email: '' });
  });

  test('the username is the directory value: a case-insensitive match stores the directory spelling', async () => {
    const t = await app();
    const id = (await create(t, 'ALICE')).result as number;
    expect(await userRow(t, id)).toMatchObject({ username: 'alice' });
    expect(await create(t, 'Alice')).toMatchObject({ error: TAKEN });
  });

  test('a username that is taken (a local user of that name) → -32002', async () => {
    const t = await app();
    await t.createUser('bob', 'local-password');
    expect(await create(t, 'bob')).toEqual({ jsonrpc: '2.0', error: TAKEN, id: 1 });
    expect(Number((await t.knex('users').where({ username: 'bob' }).count({ n: '*' }))[0].n)).toBe(1);
  });

  test('non-ASCII and filter characters in a username are found exactly', async () => {
    const t = await app();
    const special = (await create(t, "o'brien*(x)")).result as number;
    expect(await userRow(t, special)).toMatchObject({ username: "o'brien*(x)", email: 'ob@example.org' });
    const umlaut = (await create(t, 'jürgen')).result as number;
    expect(await userRow(t, umlaut)).toMatchObject({ username: 'jürgen', name: 'Jürgen Müller' });
  });

  test('another filter: LDAP_USER_FILTER with %s twice finds by uid or mail; the username is still the uid', async () => {
    const t = await app({ LDAP_USER_FILTER: '(&(objectClass=inetOrgPerson)(|(uid=%s)(mail=%s)))' });
    const id = (await create(t, 'bob@example.org')).result as number;
    expect(await userRow(t, id)).toMatchObject({ username: 'bob', email: 'bob@example.org' });
  });

  test('other attributes: LDAP_USER_ATTRIBUTE_FULLNAME=sn, LDAP_USER_ATTRIBUTE_EMAIL=description (absent → "")', async () => {
    const t = await app({ LDAP_USER_ATTRIBUTE_FULLNAME: 'sn', LDAP_USER_ATTRIBUTE_EMAIL: 'description' });
    const id = (await create(t, 'alice')).result as number;
    expect(await userRow(t, id)).toMatchObject({ username: 'alice', name: 'Liddell', email: '' });
  });
});

describe('not found', () => {
  test.each([
    ['nobody', 'no entry'],
    ['twin', 'two entries with that uid'],
  ])('%s (%s) → -32001 ldap_user; Kanboard mode false', async (username) => {
    const t = await app();
    expect(await create(t, username)).toEqual({ jsonrpc: '2.0', error: NOT_FOUND, id: 1 });
    const compat = await t.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'createLdapUser', params: [username], id: 2 });
    expect(compat.text).toBe('{"jsonrpc":"2.0","result":false,"id":2}');
    expect(await t.knex('users').where({ is_ldap_user: true }).count({ n: '*' }).then((r) => Number(r[0].n))).toBe(0);
  });

  test.each(['*', 'a*', '*)(uid=*', ')(uid=*', 'alice)(|(uid=*', '\\2a', 'alice\\29', '(uid=*)'])(
    'filter injection: %j matches nobody (escaped per RFC 4515)',
    async (username) => {
      const t = await app();
      expect(await create(t, username)).toEqual({ jsonrpc: '2.0', error: NOT_FOUND, id: 1 });
    },
  );

  test('filter injection: values that would match exactly one entry unescaped find nobody', async () => {
    const t = await app({ LDAP_USER_FILTER: '(&(objectClass=inetOrgPerson)(uid=%s))' });
    // unescaped, each would select alice alone (and create her)
    for (const username of ['a*', 'ali*e', '*)(uid=alice', 'nobody)(|(uid=alice)', 'alice)(uid=*']) {
      expect({ username, answer: await create(t, username) }).toEqual({ username, answer: { jsonrpc: '2.0', error: NOT_FOUND, id: 1 } });
    }
    expect(await create(t, 'alice')).toEqual({ jsonrpc: '2.0', result: expect.any(Number), id: 1 });
  });

  test('an entry without a username value → -32001 (username attribute that no entry holds)', async () => {
    const t = await app({ LDAP_USER_ATTRIBUTE_USERNAME: 'employeeNumber' });
    expect(await create(t, 'alice')).toEqual({ jsonrpc: '2.0', error: NOT_FOUND, id: 1 });
  });

  test('the username param is R-username: "" or whitespace only → -32602', async () => {
    const t = await app();
    expect((await create(t, '   ')).error).toMatchObject({ code: -32602 });
    expect((await create(t, '')).error).toMatchObject({ code: -32602 });
  });
});

describe('LDAP not configured or unavailable', () => {
  test('no LDAP_URL → -32005 ldap_not_configured; Kanboard mode false', async () => {
    const t = await app({}, { ldap: false });
    expect(await create(t, 'alice')).toEqual({ jsonrpc: '2.0', error: precondition('ldap_not_configured'), id: 1 });
    const compat = await t.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'createLdapUser', params: ['alice'], id: 3 });
    expect(compat.text).toBe('{"jsonrpc":"2.0","result":false,"id":3}');
  });

  test('the ldap component disabled → ldap_not_configured without any connection; enabled again → works', async () => {
    const silent = await startSilentLdapServer();
    try {
      const t = await app({ LDAP_URL: silent.url });
      await setAppEnabled(t.knex, 'ldap', false, 0);
      expect(await create(t, 'alice')).toEqual({ jsonrpc: '2.0', error: precondition('ldap_not_configured'), id: 1 });
      expect(silent.connections.total).toBe(0);
    } finally {
      await silent.close();
    }
    const t = await app();
    expect((await ocsRequest(t, 'DELETE', 2, 'apps/ldap')).status).toBe(200);
    expect(await create(t, 'alice')).toEqual({ jsonrpc: '2.0', error: precondition('ldap_not_configured'), id: 1 });
    expect((await ocsRequest(t, 'POST', 2, 'apps/ldap')).status).toBe(200);
    expect(await create(t, 'alice')).toEqual({ jsonrpc: '2.0', result: expect.any(Number), id: 1 });
  });

  test('nobody listening → -32005 ldap_unavailable, one warning without secrets', async () => {
    const t = await app({ LDAP_URL: `ldap://127.0.0.1:${await closedPort()}` });
    expect(await create(t, 'alice')).toEqual({ jsonrpc: '2.0', error: precondition('ldap_unavailable'), id: 1 });
    const warnings = t.logs.filter((line) => line.includes('LDAP directory unavailable'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0])).toMatchObject({ level: 40, operation: 'findUser', username: 'alice', requestId: expect.any(String) });
    expect(t.logs.join('\n')).not.toContain(LDAP_SERVICE.password);
  });

  test('a server that never answers → ldap_unavailable once LDAP_TIMEOUT_MS has passed', async () => {
    const silent = await startSilentLdapServer();
    try {
      const t = await app({ LDAP_URL: silent.url, LDAP_TIMEOUT_MS: '300' });
      const started = Date.now();
      expect(await create(t, 'alice')).toEqual({ jsonrpc: '2.0', error: precondition('ldap_unavailable'), id: 1 });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(3000);
      for (let i = 0; i < 50 && silent.connections.open > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(silent.connections.open).toBe(0); // the socket was closed at the deadline
    } finally {
      await silent.close();
    }
  });

  test('a refused service bind → ldap_unavailable', async () => {
    const t = await app({ LDAP_BIND_PASSWORD: 'not-the-service-password' });
    expect(await create(t, 'alice')).toEqual({ jsonrpc: '2.0', error: precondition('ldap_unavailable'), id: 1 });
    expect(t.logs.join('\n')).not.toContain('not-the-service-password');
  });

  test('an anonymous bind is used without LDAP_BIND_DN (this directory hides everything from it → ldap_unavailable)', async () => {
    const { LDAP_BIND_DN: _dn, LDAP_BIND_PASSWORD: _pw, ...anonymous } = ldap.env;
    const t = await startTestApp({ env: anonymous });
    apps.push(t);
    expect(await create(t, 'alice')).toEqual({ jsonrpc: '2.0', error: precondition('ldap_unavailable'), id: 1 });
  });

  test('a base DN that does not exist → ldap_unavailable', async () => {
    const t = await app({ LDAP_USER_BASE_DN: `ou=nowhere,${BASE_DN}` });
    expect(await create(t, 'alice')).toEqual({ jsonrpc: '2.0', error: precondition('ldap_unavailable'), id: 1 });
  });
});

describe('group sync (LDAP_USER_ATTRIBUTE_GROUPS)', () => {
  test('memberOf: joins existing groups named by the DN\'s first RDN or whose external_id is the DN; never admin; role stays app-user', async () => {
    const t = await app({ LDAP_USER_ATTRIBUTE_GROUPS: 'memberOf' });
    const developers = (await t.rpc('/rpc', 'createGroup', ['developers'])).result as number;
    const ops = (await t.rpc('/rpc', 'createGroup', ['ops', groupDn('operators')])).result as number;
    await t.rpc('/rpc', 'createGroup', ['unrelated', `cn=unrelated,${GROUPS_DN}`]);
    expect(developers).toEqual(expect.any(Number));
    expect(ops).toEqual(expect.any(Number));

    const alice = (await create(t, 'alice')).result as number;
    expect(await memberGroups(t, alice)).toEqual(['developers', 'ops']);
    const bob = (await create(t, 'bob')).result as number;
    expect(await memberGroups(t, bob)).toEqual(['developers']);

    // erin is in the directory's admin group: Roster's admin group is the app-admin role and is never synced
    const erin = (await create(t, 'erin')).result as number;
    expect(await memberGroups(t, erin)).toEqual([]);
    expect(await userRow(t, erin)).toMatchObject({ role: 'app-user' });
    // groups the directory names but Roster does not have are not created
    expect((await t.rpc('/rpc', 'getAllGroups')).result).toHaveLength(4);
  });

  test('a groups attribute holding plain names', async () => {
    const t = await app({ LDAP_USER_ATTRIBUTE_GROUPS: 'sn' });
    await t.rpc('/rpc', 'createGroup', ['Builder']);
    const bob = (await create(t, 'bob')).result as number;
    expect(await memberGroups(t, bob)).toEqual(['Builder']);
  });
});
