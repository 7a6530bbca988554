/**
 * Secret canary, nmcuser_oidc (issue #8 item 7): an admin with a known password creates OIDC users
 * (create takes no password: one sent anyway is neither stored nor echoed), mints app passwords for
 * them (each shown only in its own mint answer) and reads them through every route and prefix; the
 * minted tokens log in on OCS and JSON-RPC; failing requests (wrong password, the API token, a
 * non-admin, a locked account, malformed bodies and query strings carrying a secret) are made. No
 * response header or body and no log line (LOG_LEVEL=trace) may carry a secret in any form, a
 * SHA-256 digest or a stored hash (whole, first 20 characters, checksum).
 */
import { API_TOKEN, ADMIN, startTestApp, type TestApp } from '../helpers/app';
import { ocsRequest } from '../helpers/ocs';
import { oidc, PREFIXES, type OidcMethod, type OidcRequestOptions } from '../helpers/nmcuserOidc';
import { CanaryRecorder, plaintextsInDatabase, secretForms, storedSecretForms, type Needle } from '../helpers/secretCanary';
import { ROUTES } from '../../src/adapters/nmcuserOidc/router';

const SECRETS = {
  /** The password of a second admin, who makes the calls. */
  admin: 'Canary-Oidc-Admin-Password-3392',
  /** A plain (non-admin) user's password: refused with 403. */
  plain: 'Canary-Oidc-Plain-Password-7156',
  /** The password of an account that gets locked. */
  locked: 'Canary-Oidc-Locked-Right-2047',
  /** Sent as `password` to create and update (which take none), in bodies and query strings. */
  ignored: 'Canary-Oidc-Ignored-Field-6630',
  /** Sent only in failing requests. */
  failing: 'Canary-Oidc-Failing-Param-1924',
  wrongPassword: 'Canary-Oidc-Wrong-Password-8871',
};
const ADMIN2 = ['canary-oidc-admin', SECRETS.admin] as const;
const USERNAMES = ['120049010000000007700001', 'canary.oidc@example.com', '120049010000000007700003'];

let t: TestApp;
/** The internal ids create answered. */
const ids: string[] = [];
const tokens: string[] = [];
const seen = new CanaryRecorder();

async function call(method: OidcMethod, path: string, options: OidcRequestOptions = {}, allow: string[] = []) {
  const res = await oidc(t, method, path, { auth: ADMIN2, ...options });
  const auth = options.auth ?? ADMIN2;
  const who = Array.isArray(auth) ? auth[0] : auth === 'none' ? 'anonymous' : 'a raw Authorization';
  seen.response(`${method} ${options.prefix ?? PREFIXES[0]}/${path.replace(/password=[^&]*/g, 'password=…')} as ${who}`, res, allow);
  return res;
}

/** Mints an app password for `id`; its answer is the one place it may appear. */
async function mint(id: string, prefix: string = PREFIXES[0]): Promise<string> {
  const res = await oidc(t, 'GET', `token/telekom/${encodeURIComponent(id)}`, { auth: ADMIN2, prefix });
  expect(res.status).toBe(200);
  const token = (JSON.parse(res.text) as { token: string }).token;
  seen.response(`GET ${prefix}/token/telekom/${id} (mint)`, res, [token]);
  tokens.push(token);
  return token;
}

beforeAll(async () => {
  t = await startTestApp({ env: { OIDC_PROVIDERS: 'Telekom', LOG_LEVEL: 'trace', BRUTEFORCE_LOCKDOWN: '2' } });
  await t.createUser(ADMIN2[0], SECRETS.admin, { role: 'app-admin' });
  await t.createUser('canary-oidc-plain', SECRETS.plain);
  await t.createUser('canary-oidc-locked', SECRETS.locked, { role: 'app-admin' });
  // create: a JSON body, a form body and a query string, each with a `password` the route does not take
  const created = [
    await call('POST', 'nmcusers/telekom', { json: { username: USERNAMES[0], displayname: 'Canary One', email: 'one@example.com', password: SECRETS.ignored } }),
    await call('POST', 'nmcusers/telekom', { form: { username: USERNAMES[1], displayname: 'Canary Two', password: SECRETS.ignored } }),
    await call('POST', `nmcusers/telekom?username=${USERNAMES[2]}&displayname=Three&password=${SECRETS.ignored}`),
  ];
  for (const res of created) {
    expect(res.status).toBe(200);
    ids.push((JSON.parse(res.text) as { id: string }).id);
  }
  await mint(ids[0]);
  await mint(ids[0], PREFIXES[3]);
  await mint(ids[1], PREFIXES[1]);
});
afterAll(() => t.close());

test('create stores no password; the minted tokens log in on OCS and JSON-RPC (the canary is not vacuous)', async () => {
  const rows = await t.knex('users').whereIn('username', ids).select('username', 'password');
  expect(rows).toHaveLength(3);
  for (const row of rows) expect(row.password === null || row.password === '').toBe(true);
  for (const [i, token] of tokens.entries()) {
    const id = i < 2 ? ids[0] : ids[1];
    const ocs = await ocsRequest(t, 'GET', 2, 'user', { format: 'json', caller: [id, token] });
    seen.response(`GET /ocs/v2.php/cloud/user as ${id} (minted token #${i + 1})`, ocs);
    expect(ocs.status).toBe(200);
    const rpc = await t.call('/rpc', { jsonrpc: '2.0', method: 'getMe', id: 1 }, [id, token]);
    seen.response(`/rpc getMe as ${id} (minted token #${i + 1})`, rpc);
    expect(rpc.body.result).toMatchObject({ username: id });
  }
});

test('every route at every prefix, and the preflight', async () => {
  const routes = ROUTES.map((r) => `${r.method} ${r.path.join('/')}`);
  expect(routes).toEqual([
    'GET nmcusers/{provider}',
    'POST nmcusers/{provider}',
    'GET nmcusers/{provider}/{id}',
    'PUT nmcusers/{provider}/{id}',
    'DELETE nmcusers/{provider}/{id}',
    'GET token/{provider}/{id}',
  ]);
  for (const prefix of PREFIXES) {
    const o = { prefix };
    expect((await call('GET', 'nmcusers/telekom', o)).status).toBe(200);
    expect((await call('GET', 'nmcusers/Telekom?pattern=1200&limit=5&offset=0', o)).status).toBe(200);
    for (const id of ids) expect((await call('GET', `nmcusers/telekom/${encodeURIComponent(id)}`, o)).status).toBe(200);
    const update = await call('PUT', `nmcusers/telekom/${encodeURIComponent(ids[0])}`, { ...o, json: { displayname: `Canary ${prefix.length}`, password: SECRETS.ignored } });
    expect(update.status).toBe(200);
    const updateByQuery = await call('PUT', `nmcusers/telekom/${encodeURIComponent(ids[1])}?quota=5GB&password=${SECRETS.ignored}`, o);
    expect(updateByQuery.status).toBe(200);
    await call('OPTIONS', 'nmcusers/telekom', { ...o, headers: { Origin: 'https://canary.example.com' } });
  }
  const created = await call('POST', 'nmcusers/telekom', { json: { username: 'canary-deleted', displayname: 'Deleted', password: SECRETS.ignored } });
  const deleted = await call('DELETE', `nmcusers/telekom/${encodeURIComponent((JSON.parse(created.text) as { id: string }).id)}`);
  expect(deleted.status).toBe(200);
});

test('failing requests that carry secrets do not echo them', async () => {
  const failing = SECRETS.failing;
  const id = encodeURIComponent(ids[0]);
  await call('POST', 'nmcusers/telekom', { json: { username: USERNAMES[0], displayname: 'Taken', password: failing } });
  await call('POST', 'nmcusers/telekom', { json: { username: 'canary-new', password: failing } });
  // (a refused quota is named in its message by contract, so it carries no secret here)
  await call('POST', 'nmcusers/telekom', { json: { username: 'canary-new', displayname: 'New', quota: 'lots', password: failing } });
  await call('POST', 'nmcusers/telekom', { json: { username: 'canary-new', displayname: 'New', enabled: failing, password: failing } });
  await call('POST', 'nmcusers/no-such-provider', { json: { username: 'canary-new', displayname: 'New', password: failing } });
  await call('POST', 'nmcusers/telekom', { json: `{"username":"canary-new","password":"${failing}"` });
  await call('POST', 'nmcusers/telekom', { json: `["${failing}"]` });
  await call('POST', 'nmcusers/telekom', { raw: { type: 'text/plain', body: `password=${failing}` } });
  await call('PUT', `nmcusers/telekom/${id}`, { json: `{"password":"${failing}",` });
  await call('PUT', `nmcusers/telekom/${id}?email=${failing}&password=${failing}`);
  await call('PUT', 'nmcusers/telekom/no-such-user', { json: { password: failing } });
  await call('GET', `nmcusers/telekom?password=${failing}&pattern=${failing}`);
  await call('GET', `token/telekom/no-such-user?password=${failing}`);
  await call('GET', `no/such/route?password=${failing}`);
  await call('DELETE', 'nmcusers/telekom', { json: { password: failing } });
  // refused credentials: the admin's wrong password, the API token, a non-admin, a minted token (not an admin)
  await call('GET', 'nmcusers/telekom', { auth: [ADMIN2[0], SECRETS.wrongPassword] });
  await call('GET', 'nmcusers/telekom', { auth: ['canary-nobody', SECRETS.wrongPassword] });
  await call('GET', 'nmcusers/telekom', { auth: ['jsonrpc', API_TOKEN] });
  await call('GET', 'nmcusers/telekom', { auth: ['canary-oidc-plain', SECRETS.plain] });
  await call('POST', 'nmcusers/telekom', { auth: ['canary-oidc-plain', SECRETS.plain], json: { username: 'canary-new', displayname: 'x', password: failing } });
  await call('GET', `token/telekom/${id}`, { auth: [ids[0], tokens[0]] });
  await call('GET', 'nmcusers/telekom', { auth: { header: `Basic ${failing}` } });
  await call('GET', 'nmcusers/telekom', { auth: { header: `Bearer ${failing}` } });
  // a locked admin: wrong passwords past BRUTEFORCE_LOCKDOWN=2, then the right one is refused too
  for (let i = 0; i < 3; i += 1) await call('GET', 'nmcusers/telekom', { auth: ['canary-oidc-locked', SECRETS.wrongPassword] });
  const row = await t.knex('users').where({ username: 'canary-oidc-locked' }).first('lock_expiration_date');
  expect(Number(row.lock_expiration_date)).toBeGreaterThan(0);
  expect((await call('GET', `token/telekom/${id}`, { auth: ['canary-oidc-locked', SECRETS.locked] })).status).toBe(401);
});

test('no response header or body and no log line carries a secret in any form or a stored hash', async () => {
  const users: Record<string, string[]> = {
    admin: [ADMIN2[0]],
    plain: ['canary-oidc-plain'],
    locked: ['canary-oidc-locked'],
    wrongPassword: [ADMIN2[0], 'canary-nobody', 'canary-oidc-locked'],
  };
  const needles: Needle[] = [
    ...Object.entries(SECRETS).flatMap(([name, secret]) => secretForms(`secret ${name}`, secret, users[name] ?? [])),
    ...tokens.flatMap((token, i) => secretForms(`minted token #${i + 1}`, token, ids)),
    ...secretForms('API_TOKEN', API_TOKEN, ['jsonrpc']),
    ...secretForms('the admin password', ADMIN.password, [ADMIN.username]),
    ...(await storedSecretForms(t.knex)),
  ];
  const labels = needles.map((n) => n.label);
  for (const user of [ADMIN2[0], 'canary-oidc-plain', 'canary-oidc-locked']) expect(labels).toContain(`bcrypt hash of ${user} (first 20 characters)`);
  expect(labels.filter((l) => l.startsWith('stored app password digest'))).toHaveLength(3);
  seen.logs(t.logs);
  expect(t.logs.length).toBeGreaterThan(60);
  expect(seen.responses).toBeGreaterThan(60);
  expect(seen.leaks(needles)).toEqual([]);
  // neither the minted tokens nor the ignored password are stored anywhere (the audit log included)
  expect(await plaintextsInDatabase(t.knex, needles.filter((n) => n.label.endsWith('(plaintext)')))).toEqual([]);
});
