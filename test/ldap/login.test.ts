/**
 * LDAP password logins (issue #6: "users with is_ldap_user authenticate by an LDAP bind on every
 * surface", replacing contract §4.3's "no LDAP password login") against a real OpenLDAP: both
 * JSON-RPC endpoints, OCS and nmcuser_oidc; wrong and empty passwords, the lockout, a local hash
 * that is never accepted, tokens and app passwords, disabled users, the `ldap` component disabled,
 * and a directory that goes away and comes back.
 */
import bcrypt from 'bcrypt';
import { createHash } from 'node:crypto';
import { Attribute, Change } from 'ldapts';
import { startTestApp, type Auth, type Endpoint, type TestApp } from '../helpers/app';
import { ocsRequest } from '../helpers/ocs';
import { oidc } from '../helpers/nmcuserOidc';
import { LDAP_SERVICE, PEOPLE, ssha, startLdapServer, userDn, type LdapServer } from '../helpers/ldap';

const ENDPOINTS: Endpoint[] = ['/jsonrpc.php', '/rpc'];
const UNAUTHORIZED: Record<Endpoint, string> = {
  '/jsonrpc.php': '{"jsonrpc":"2.0","error":{"code":401,"message":"Unauthorized"},"id":null}',
  '/rpc': '{"jsonrpc":"2.0","error":{"code":-32004,"message":"Unauthenticated","data":{"reason":"unauthenticated"}},"id":null}',
};
const GET_ME = { jsonrpc: '2.0', method: 'getMe', id: 1 };
const THRESHOLD = 3;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let ldap: LdapServer;
let t: TestApp;
const ids: Record<string, number> = {};

beforeAll(async () => {
  ldap = await startLdapServer();
  t = await startTestApp({ env: { ...ldap.env, BRUTEFORCE_LOCKDOWN: String(THRESHOLD), BRUTEFORCE_LOCKDOWN_DURATION: '15', OIDC_PROVIDERS: 'Telekom' } });
  for (const username of ['alice', 'bob', 'carol', 'dave', 'jürgen', 'erin']) {
    const res = await t.rpc('/rpc', 'createLdapUser', [username]);
    if (typeof res.result !== 'number') throw new Error(`createLdapUser ${username}: ${JSON.stringify(res)}`);
    ids[username] = res.result;
  }
});
afterAll(async () => {
  await t?.close();
  await ldap?.stop();
});

const password = (username: string) => PEOPLE[username].password;

async function state(username: string) {
  const row = await t.knex('users').where({ id: ids[username] }).first('nb_failed_login', 'lock_expiration_date');
  return { nb_failed_login: Number(row.nb_failed_login), lock_expiration_date: Number(row.lock_expiration_date) };
}

async function expectMe(endpoint: Endpoint, auth: Auth, username: string) {
  const res = await t.call(endpoint, GET_ME, auth);
  expect({ status: res.status, username: res.body.result?.username }).toEqual({ status: 200, username });
}

async function expectRefused(endpoint: Endpoint, auth: Auth) {
  const res = await t.call(endpoint, GET_ME, auth);
  expect({ status: res.status, text: res.text, www: res.headers['www-authenticate'] }).toEqual({
    status: 401,
    text: UNAUTHORIZED[endpoint],
    www: 'Basic realm="JsonRPC"',
  });
}

function ocsMe(auth: readonly [string, string]) {
  return ocsRequest(t, 'GET', 2, 'user', { caller: auth, format: 'json' });
}

describe.each(ENDPOINTS)('%s', (endpoint) => {
  test('an LDAP user logs in with the directory password (getMe); the failure counter stays 0', async () => {
    await expectMe(endpoint, ['alice', password('alice')], 'alice');
    await expectMe(endpoint, ['jürgen', password('jürgen')], 'jürgen');
    expect(await state('alice')).toEqual({ nb_failed_login: 0, lock_expiration_date: 0 });
  });

  test('a wrong password → 401 and one counted failure; the right one resets the counter', async () => {
    await expectRefused(endpoint, ['bob', 'not-bobs-password']);
    expect((await state('bob')).nb_failed_login).toBe(1);
    await expectRefused(endpoint, ['bob', password('alice')]); // another user's password
    expect((await state('bob')).nb_failed_login).toBe(2);
    await expectMe(endpoint, ['bob', password('bob')], 'bob');
    expect(await state('bob')).toEqual({ nb_failed_login: 0, lock_expiration_date: 0 });
  });

  test('an empty password is refused (an empty LDAP bind would be an unauthenticated bind) and counted', async () => {
    await expectRefused(endpoint, ['carol', '']);
    expect((await state('carol')).nb_failed_login).toBe(1);
    await expectMe(endpoint, ['carol', password('carol')], 'carol');
  });

  test('the username is exact: another spelling is an unknown user, not a directory lookup', async () => {
    await expectRefused(endpoint, ['ALICE', password('alice')]);
    await expectRefused(endpoint, ['alice ', password('alice')]);
    expect(await state('alice')).toEqual({ nb_failed_login: 0, lock_expiration_date: 0 });
  });
});

test('OCS: GET /cloud/user with the directory password; backend LDAP; a wrong password → 401', async () => {
  const res = await ocsMe(['alice', password('alice')]);
  expect(res.status).toBe(200);
  expect(res.body.ocs.data).toMatchObject({ id: 'alice', backend: 'LDAP', email: 'alice@example.org', displayname: 'Alice Liddell' });
  const wrong = await ocsMe(['alice', 'wrong-password']);
  expect(wrong.status).toBe(401);
  expect((await state('alice')).nb_failed_login).toBe(1);
  expect((await ocsMe(['alice', password('alice')])).status).toBe(200);
  expect((await state('alice')).nb_failed_login).toBe(0);
});

test('nmcuser_oidc: an LDAP app-admin authenticates with the directory password; an LDAP app-user gets 403, a wrong password 401', async () => {
  expect((await t.rpc('/rpc', 'updateUser', { id: ids.erin, role: 'app-admin' })).result).toBe(true);
  const admin = await oidc(t, 'GET', 'nmcusers/Telekom', { auth: ['erin', password('erin')] });
  expect({ status: admin.status, body: admin.body }).toEqual({ status: 200, body: [] });
  const user = await oidc(t, 'GET', 'nmcusers/Telekom', { auth: ['dave', password('dave')] });
  expect(user.status).toBe(403);
  const wrong = await oidc(t, 'GET', 'nmcusers/Telekom', { auth: ['erin', 'wrong-password'] });
  expect(wrong.status).toBe(401);
  expect((await state('erin')).nb_failed_login).toBe(1);
  expect((await oidc(t, 'GET', 'nmcusers/Telekom', { auth: ['erin', password('erin')] })).status).toBe(200);
  expect((await state('erin')).nb_failed_login).toBe(0);
});

test('lockout: failed binds count like wrong passwords; a locked LDAP user is refused without a bind, until expiry', async () => {
  const auth: Auth = ['dave', 'wrong-password'];
  for (let i = 1; i <= THRESHOLD; i += 1) {
    await expectRefused('/rpc', auth);
    expect(await state('dave')).toEqual({ nb_failed_login: i, lock_expiration_date: 0 });
  }
  await expectRefused('/jsonrpc.php', auth); // the failure over the threshold locks
  const locked = await state('dave');
  expect(locked.nb_failed_login).toBe(THRESHOLD + 1);
  expect(locked.lock_expiration_date).toBeGreaterThan(Date.now() / 1000);
  await expectRefused('/rpc', ['dave', password('dave')]); // right password, but locked
  expect((await ocsMe(['dave', password('dave')])).status).toBe(401);
  expect(await state('dave')).toEqual(locked); // not counted while locked
  t.advanceClock(16 * 60);
  await expectMe('/rpc', ['dave', password('dave')], 'dave');
  expect(await state('dave')).toEqual({ nb_failed_login: 0, lock_expiration_date: 0 });
});

test('a local password hash is never accepted for an LDAP user', async () => {
  await t.knex('users').where({ id: ids.bob }).update({ password: await bcrypt.hash('local-password', 4) });
  await expectRefused('/rpc', ['bob', 'local-password']);
  expect((await state('bob')).nb_failed_login).toBe(1);
  await expectMe('/rpc', ['bob', password('bob')], 'bob');
  await t.knex('users').where({ id: ids.bob }).update({ password: null });
});

test('two-factor users cannot log in with a password, LDAP or not', async () => {
  await t.knex('users').where({ id: ids.carol }).update({ twofactor_activated: true });
  await expectRefused('/rpc', ['carol', password('carol')]);
  await t.knex('users').where({ id: ids.carol }).update({ twofactor_activated: false, nb_failed_login: 0 });
});

test('a disabled LDAP user is refused with the right password; enabled again, accepted', async () => {
  expect((await t.rpc('/rpc', 'disableUser', [ids.carol])).result).toBe(true);
  await expectRefused('/rpc', ['carol', password('carol')]);
  expect((await ocsMe(['carol', password('carol')])).status).toBe(401);
  expect((await t.rpc('/rpc', 'enableUser', [ids.carol])).result).toBe(true);
  await expectMe('/rpc', ['carol', password('carol')], 'carol');
});

test('the directory is asked on every request: a changed password applies at once', async () => {
  await expectMe('/rpc', ['jürgen', password('jürgen')], 'jürgen');
  await ldap.admin((client) =>
    client.modify(userDn('jürgen'), new Change({ operation: 'replace', modification: new Attribute({ type: 'userPassword', values: [ssha('new-Pa55-jürgen')] }) })),
  );
  await expectRefused('/rpc', ['jürgen', password('jürgen')]);
  await expectMe('/rpc', ['jürgen', 'new-Pa55-jürgen'], 'jürgen');
});

test('a personal token and an app password keep working for LDAP users, also when LDAP is off', async () => {
  const token = 'personal-token-alice-0123456789abcdef';
  await t.knex('users').where({ id: ids.alice }).update({ api_access_token: sha256(token) });
  const minted = await t.call('/rpc', { jsonrpc: '2.0', method: 'createMyAppPassword', params: { name: 'laptop' }, id: 1 }, ['alice', password('alice')]);
  const appPassword = (minted.body.result as { token: string }).token;
  expect(appPassword).toMatch(/^[A-Za-z0-9]{72}$/);

  expect((await ocsRequest(t, 'DELETE', 2, 'apps/ldap')).status).toBe(200);
  try {
    for (const endpoint of ENDPOINTS) {
      await expectMe(endpoint, ['alice', token], 'alice');
      await expectMe(endpoint, ['alice', appPassword], 'alice');
    }
    expect((await ocsMe(['alice', appPassword])).status).toBe(200);
  } finally {
    expect((await ocsRequest(t, 'POST', 2, 'apps/ldap')).status).toBe(200);
  }
});

test('the ldap component disabled: LDAP password logins fail like a wrong password, uncounted; enabled again, they work', async () => {
  expect((await ocsRequest(t, 'DELETE', 2, 'apps/ldap')).status).toBe(200);
  try {
    for (const endpoint of ENDPOINTS) await expectRefused(endpoint, ['alice', password('alice')]);
    expect((await ocsMe(['alice', password('alice')])).status).toBe(401);
    expect(await state('alice')).toEqual({ nb_failed_login: 0, lock_expiration_date: 0 });
    // local users are not affected
    expect((await ocsRequest(t, 'GET', 2, 'user', { format: 'json' })).status).toBe(200);
  } finally {
    expect((await ocsRequest(t, 'POST', 2, 'apps/ldap')).status).toBe(200);
  }
  await expectMe('/rpc', ['alice', password('alice')], 'alice');
});

test('the directory stopped: logins fail like a wrong password, uncounted, with one warning each; restarted, they work', async () => {
  await ldap.stop({ keepData: true });
  try {
    const before = t.logs.length;
    await expectRefused('/rpc', ['bob', password('bob')]);
    await expectRefused('/jsonrpc.php', ['bob', password('bob')]);
    expect((await ocsMe(['bob', password('bob')])).status).toBe(401);
    expect(await state('bob')).toEqual({ nb_failed_login: 0, lock_expiration_date: 0 });
    const warnings = t.logs.slice(before).filter((line) => line.includes('LDAP directory unavailable'));
    expect(warnings).toHaveLength(3);
    for (const line of warnings) expect(JSON.parse(line)).toMatchObject({ level: 40, operation: 'verifyPassword', username: 'bob', requestId: expect.any(String) });
  } finally {
    await ldap.restart();
  }
  await expectMe('/rpc', ['bob', password('bob')], 'bob');
});

test('no password of a user or of the service account reaches the logs', async () => {
  const logs = t.logs.join('\n');
  for (const secret of [LDAP_SERVICE.password, ...Object.values(PEOPLE).map((p) => p.password)]) expect(logs).not.toContain(secret);
});

test('without LDAP configured, an LDAP user cannot log in with a password (refused, uncounted)', async () => {
  const other = await startTestApp({ db: t.db });
  try {
    const res = await other.call('/rpc', GET_ME, ['alice', password('alice')]);
    expect(res.status).toBe(401);
    expect(await state('alice')).toEqual({ nb_failed_login: 0, lock_expiration_date: 0 });
  } finally {
    await other.close();
  }
});
