/**
 * Secret canary, OCS provisioning (issue #8 item 7): users get known passwords through OCS addUser
 * (form, JSON and query string), change them through edit (key=password, by the admin and by
 * themselves), log in with passwords and app passwords; then every read route answers in v1/v2 ×
 * XML/JSON for admin, subadmin and plain callers, and failing requests (wrong password, locked account,
 * the API token, taken usernames, malformed bodies and query strings that carry a secret) are made.
 * No response header or body and no log line (LOG_LEVEL=trace) may carry a secret in any form, a
 * SHA-256 digest or a stored hash (whole, first 20 characters, checksum).
 */
import { API_TOKEN, ADMIN, startTestApp, type TestApp } from '../helpers/app';
import { ADMIN_CALLER, ocsRequest, type OcsCaller, type OcsHttpMethod, type OcsRequestOptions, type OcsVersion } from '../helpers/ocs';
import { CanaryRecorder, plaintextsInDatabase, secretForms, storedSecretForms, type Needle } from '../helpers/secretCanary';
import { OCS_ROUTES } from '../../src/adapters/ocs/routes';

const SECRETS = {
  /** addUser, form body (v1). */
  created: 'Canary-Ocs-Created-5130',
  /** addUser, JSON body (v2). */
  createdJson: 'Canary-Ocs-CreatedJson-2264',
  /** addUser with the password in the query string. */
  createdQuery: 'Canary-Ocs-CreatedQuery-9047',
  /** The subadmin's password. */
  subadmin: 'Canary-Ocs-Subadmin-3381',
  /** canary-one's new password, set by the admin (key=password). */
  changedByAdmin: 'Canary-Ocs-ChangedByAdmin-7702',
  /** canary-two's new password, set by canary-two itself. */
  changedBySelf: 'Canary-Ocs-ChangedBySelf-1456',
  /** The password of an account that gets locked. */
  locked: 'Canary-Ocs-Locked-Right-4418',
  /** Sent only in failing requests. */
  failing: 'Canary-Ocs-Failing-Param-8835',
  wrongPassword: 'Canary-Ocs-Wrong-Password-6609',
};
const GROUP = 'canary-team';

let t: TestApp;
let appPassword: string;
let appId: string;
const seen = new CanaryRecorder();

/** One OCS request whose response is recorded for the final scan. */
async function ocs(method: OcsHttpMethod, version: OcsVersion, path: string, options: OcsRequestOptions = {}, where = '') {
  const res = await ocsRequest(t, method, version, path, options);
  const who = options.caller === 'none' ? 'anonymous' : (options.caller ?? ADMIN_CALLER)[0];
  seen.response(`${method} /ocs/v${version}.php/cloud/${path.replace(/password=[^&]*/g, 'password=…')} ${options.format ?? ''} as ${who} ${where}`.trim(), res);
  return res;
}

/** The OCS statuscode of a JSON or XML answer (NaN when there is none). */
function statuscode(res: { text: string }): number {
  const match = /"statuscode":(\d+)|<statuscode>(\d+)<\/statuscode>/.exec(res.text);
  return Number(match?.[1] ?? match?.[2]);
}

beforeAll(async () => {
  t = await startTestApp({ env: { LOG_LEVEL: 'trace', BRUTEFORCE_LOCKDOWN: '2' } });
  const ok = async (res: Promise<{ text: string }>, what: string) => {
    const answer = await res;
    if (![100, 200].includes(statuscode(answer))) throw new Error(`${what} failed: ${answer.text}`);
  };
  await ok(ocs('POST', 1, 'groups', { format: 'json', form: { groupid: GROUP } }), 'group');
  await ok(ocs('POST', 1, 'users', { format: 'json', form: { userid: 'canary-one', password: SECRETS.created, groups: [GROUP] } }), 'canary-one');
  await ok(ocs('POST', 2, 'users', { format: 'json', json: { userid: 'canary-two', password: SECRETS.createdJson, email: 'two@example.com' } }), 'canary-two');
  await ok(ocs('POST', 2, `users?userid=canary-query&password=${SECRETS.createdQuery}`, { format: 'json' }), 'canary-query');
  await ok(ocs('POST', 1, 'users', { format: 'xml', form: { userid: 'canary-sub', password: SECRETS.subadmin, groups: [GROUP], subadmin: [GROUP] } }), 'canary-sub');
  await ok(ocs('POST', 2, 'users', { format: 'json', form: { userid: 'canary-locked', password: SECRETS.locked } }), 'canary-locked');
  // password changes: by the admin (form) and by the user itself (JSON body), both versions
  await ok(ocs('PUT', 1, 'users/canary-one', { format: 'json', form: { key: 'password', value: SECRETS.changedByAdmin } }), 'admin sets the password');
  await ok(ocs('PUT', 2, 'users/canary-two', { format: 'xml', json: { key: 'password', value: SECRETS.changedBySelf }, caller: ['canary-two', SECRETS.createdJson] }), 'self sets the password');
  // an app password for the subadmin (minted over JSON-RPC: OCS has no mint route)
  const minted = await t.call('/rpc', { jsonrpc: '2.0', method: 'createMyAppPassword', params: { name: 'ocs canary' }, id: 1 }, ['canary-sub', SECRETS.subadmin]);
  appPassword = (minted.body.result as { token: string }).token;
  seen.response('/rpc createMyAppPassword as canary-sub', minted, [appPassword]);
  expect(appPassword).toMatch(/^[A-Za-z0-9]{72}$/);
  const apps = await ocs('GET', 2, 'apps', { format: 'json' });
  appId = (JSON.parse(apps.text) as { ocs: { data: { apps: string[] } } }).ocs.data.apps[0];
});
afterAll(() => t.close());

/** Each GET route with a path that answers (a new read route must be added here). */
const READS: Record<string, string> = {
  users: 'users',
  'users/details': 'users/details',
  'users/{userid}': 'users/canary-one',
  'users/{userid}/groups': 'users/canary-one/groups',
  'users/{userid}/subadmins': 'users/canary-sub/subadmins',
  user: 'user',
  'user/fields': 'user/fields',
  'user/fields/{userid}': 'user/fields/canary-one',
  groups: 'groups',
  'groups/details': 'groups/details',
  'groups/{groupid}/users/details': `groups/${GROUP}/users/details`,
  'groups/{groupid}/users': `groups/${GROUP}/users`,
  'groups/{groupid}/subadmins': `groups/${GROUP}/subadmins`,
  'groups/{groupid*}': `groups/${GROUP}`,
  apps: 'apps',
  'apps/{appid}': 'apps/{appid}',
};

test('the canary users log in with the secrets they were given (the canary is not vacuous)', async () => {
  for (const [username, password] of [
    ['canary-one', SECRETS.changedByAdmin],
    ['canary-two', SECRETS.changedBySelf],
    ['canary-query', SECRETS.createdQuery],
    ['canary-sub', SECRETS.subadmin],
    ['canary-sub', appPassword],
  ] as const) {
    const res = await ocs('GET', 2, 'user', { format: 'json', caller: [username, password] });
    expect({ username, statuscode: statuscode(res) }).toEqual({ username, statuscode: 200 });
  }
  const old = await ocs('GET', 2, 'user', { format: 'json', caller: ['canary-one', SECRETS.created] });
  expect(statuscode(old)).toBe(997);
});

test('every read route, v1/v2 × XML/JSON, for admin, subadmin and plain callers', async () => {
  const gets = OCS_ROUTES.filter((r) => r.method === 'GET').map((r) => r.path);
  expect([...new Set(gets)].sort()).toEqual(Object.keys(READS).sort());
  const callers: [string, OcsCaller][] = [
    ['admin', ADMIN_CALLER],
    ['subadmin (app password)', ['canary-sub', appPassword]],
    ['plain (password set by the admin)', ['canary-one', SECRETS.changedByAdmin]],
    ['plain (password set by itself)', ['canary-two', SECRETS.changedBySelf]],
  ];
  let answered = 0;
  for (const version of [1, 2] as const) {
    for (const format of ['xml', 'json'] as const) {
      for (const [who, caller] of callers) {
        for (const path of Object.values(READS)) {
          const res = await ocs('GET', version, path.replace('{appid}', appId), { format, caller }, `(${who})`);
          const ok = [100, 200].includes(statuscode(res));
          // the admin may read everything; the others are refused some routes (never as unauthenticated)
          if (who === 'admin') expect({ path, version, format, ok }).toEqual({ path, version, format, ok: true });
          else expect({ path, version, format, who, statuscode: statuscode(res) }).not.toMatchObject({ statuscode: 997 });
          if (ok) answered += 1;
        }
      }
    }
  }
  expect(answered).toBeGreaterThan(120);
});

test('failing requests that carry secrets do not echo them', async () => {
  const failing = SECRETS.failing;
  for (const version of [1, 2] as const) {
    for (const format of ['xml', 'json'] as const) {
      const o = { format } as const;
      // writes refused after their checks
      await ocs('POST', version, 'users', { ...o, form: { userid: 'canary-one', password: failing } }, '(taken)');
      await ocs('POST', version, 'users', { ...o, form: { userid: 'canary-new', password: `${failing}${'x'.repeat(480)}` } }, '(too long)');
      await ocs('POST', version, 'users', { ...o, form: { userid: 'canary-new', password: failing, groups: ['no-such-group'] } }, '(group missing)');
      await ocs('POST', version, 'users', { ...o, form: { userid: 'canary-new', password: failing }, caller: ['canary-one', SECRETS.changedByAdmin] }, '(not allowed)');
      await ocs('PUT', version, 'users/canary-one', { ...o, form: { key: 'password', value: `${failing}${'x'.repeat(480)}` } }, '(too long)');
      await ocs('PUT', version, 'users/canary-sub', { ...o, form: { key: 'password', value: failing }, caller: ['canary-one', SECRETS.changedByAdmin] }, '(not allowed)');
      await ocs('PUT', version, 'users/no-such-user', { ...o, form: { key: 'password', value: failing } }, '(unknown user)');
      await ocs('PUT', version, 'users/canary-one', { ...o, form: { key: failing, value: failing } }, '(unknown key)');
      // secrets in query strings, also where no route takes them
      await ocs('GET', version, `users?search=${failing}&password=${failing}`, o);
      await ocs('GET', version, `users/canary-one?password=${failing}`, o);
      await ocs('GET', version, `no/such/route?password=${failing}`, o);
      await ocs('PUT', version, `users/canary-one?key=password&value=${failing}${'x'.repeat(480)}`, o, '(too long, in the query)');
      // malformed bodies
      await ocs('POST', version, 'users', { ...o, json: `{"userid":"canary-new","password":"${failing}"` }, '(truncated JSON)');
      await ocs('PUT', version, 'users/canary-one', { ...o, json: `["password","${failing}"]` }, '(JSON array)');
      await ocs('POST', version, 'users', { ...o, form: `userid=canary-new&password=${failing}&groups[]=%ZZ` }, '(bad form encoding)');
      // refused credentials
      await ocs('GET', version, 'user', { ...o, caller: ['canary-one', SECRETS.wrongPassword] }, '(wrong password)');
      await ocs('GET', version, 'user', { ...o, caller: ['canary-one', SECRETS.created] }, '(the old password)');
      await ocs('GET', version, 'user', { ...o, caller: ['canary-nobody', SECRETS.wrongPassword] }, '(unknown user)');
      await ocs('GET', version, 'users', { ...o, caller: ['jsonrpc', API_TOKEN] }, '(the API token)');
      await ocs('GET', version, 'user', { ...o, caller: ['canary-one', appPassword] }, "(another user's app password)");
      await ocs('GET', version, 'user', { ...o, headers: { Authorization: `Basic ${failing}` }, caller: 'none' }, '(undecodable Basic)');
      await ocs('GET', version, 'user', { ...o, headers: { 'X-Requested-With': 'XMLHttpRequest' }, caller: ['canary-one', SECRETS.wrongPassword] }, '(wrong password, XHR)');
    }
  }
  // a locked account: wrong passwords past BRUTEFORCE_LOCKDOWN=2, then the right one is refused too
  for (let i = 0; i < 3; i += 1) await ocs('GET', 2, 'user', { format: 'json', caller: ['canary-locked', SECRETS.wrongPassword] }, `(wrong password #${i + 1})`);
  const row = await t.knex('users').where({ username: 'canary-locked' }).first('lock_expiration_date');
  expect(Number(row.lock_expiration_date)).toBeGreaterThan(0);
  for (const version of [1, 2] as const) {
    for (const format of ['xml', 'json'] as const) {
      const res = await ocs('GET', version, 'user', { format, caller: ['canary-locked', SECRETS.locked] }, '(locked, right password)');
      expect(res.text).toMatch(/997/);
    }
  }
});

test('no response header or body and no log line carries a secret in any form or a stored hash', async () => {
  const users: Record<string, string[]> = {
    created: ['canary-one'],
    createdJson: ['canary-two'],
    createdQuery: ['canary-query'],
    subadmin: ['canary-sub'],
    changedByAdmin: ['canary-one'],
    changedBySelf: ['canary-two'],
    locked: ['canary-locked'],
    wrongPassword: ['canary-one', 'canary-nobody', 'canary-locked'],
  };
  const needles: Needle[] = [
    ...Object.entries(SECRETS).flatMap(([name, secret]) => secretForms(`secret ${name}`, secret, users[name] ?? [])),
    ...secretForms('the app password', appPassword, ['canary-sub', 'canary-one']),
    ...secretForms('API_TOKEN', API_TOKEN, ['jsonrpc']),
    ...secretForms('the admin password', ADMIN.password, [ADMIN.username]),
    ...(await storedSecretForms(t.knex)),
  ];
  const labels = needles.map((n) => n.label);
  for (const user of ['admin', 'canary-one', 'canary-two', 'canary-query', 'canary-sub', 'canary-locked']) {
    expect(labels).toContain(`bcrypt hash of ${user} (first 20 characters)`);
  }
  seen.logs(t.logs);
  expect(t.logs.length).toBeGreaterThan(300);
  expect(seen.responses).toBeGreaterThan(300);
  expect(seen.leaks(needles)).toEqual([]);
  expect(await plaintextsInDatabase(t.knex, needles.filter((n) => n.label.endsWith('(plaintext)')))).toEqual([]);
});
