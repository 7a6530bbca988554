/** OCS apps endpoints and Roster's components (ocs-provisioning §8), state shared by instances on one database. */
import request from 'supertest';
import packageJson from '../../package.json';
import { API_TOKEN, startTestApp, type TestApp } from '../helpers/app';
import { as, createOcsUser, ocsJson, ocsRequest, PASSWORD, seedOcsFixtures, type OcsHttpMethod, type OcsRequestOptions } from '../helpers/ocs';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';

type Options = Omit<OcsRequestOptions, 'format'>;

const ALL = ['jsonrpc', 'ldap', 'mail', 'nmcuser_oidc', 'provisioning_api'];
const DISABLED_BODY = '{"message":"App jsonrpc is disabled"}';
const MAIL_FROM = 'Roster <roster@example.org>';

async function expectFailure(t: TestApp, method: OcsHttpMethod, path: string, options: Options, statuscode: number, message: string, v2Http: number, v1Http = 200) {
  for (const version of [1, 2] as const) {
    const a = await ocsJson(t, method, version, path, options);
    expect({ version, http: a.status, statuscode: a.statuscode, message: a.message, data: a.data }).toEqual({
      version,
      http: version === 1 ? v1Http : v2Http,
      statuscode,
      message,
      data: [],
    });
  }
}

async function ok(t: TestApp, method: OcsHttpMethod, path: string, options: Options = {}, version: 1 | 2 = 1): Promise<unknown> {
  const a = await ocsJson(t, method, version, path, options);
  expect({ http: a.status, statuscode: a.statuscode, message: a.message, text: a.text }).toMatchObject({ http: 200, statuscode: version === 1 ? 100 : 200, message: 'OK' });
  return a.data;
}

const appState = async (t: TestApp) =>
  (await t.knex('app_state').select('app_id', 'enabled').orderBy('app_id')).map((r: { app_id: string; enabled: boolean }) => [r.app_id, r.enabled]);

describe('apps on one instance', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seedOcsFixtures(t);
  }, 120_000);
  afterAll(() => t.close());

  test('GET /apps lists the five components sorted; filter=enabled and filter=disabled on a new installation', async () => {
    expect(await ok(t, 'GET', 'apps')).toEqual({ apps: ALL });
    expect((await ocsJson(t, 'GET', 2, 'apps')).text).toBe(
      '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"apps":["jsonrpc","ldap","mail","nmcuser_oidc","provisioning_api"]}}}',
    );
    expect(await ok(t, 'GET', 'apps?filter=enabled')).toEqual({ apps: ALL });
    expect((await ocsJson(t, 'GET', 1, 'apps?filter=disabled')).text).toContain('"data":{"apps":[]}');
    expect((await ocsRequest(t, 'GET', 1, 'apps?filter=disabled')).text).toContain('\n <data>\n  <apps/>\n </data>\n');
    expect(await appState(t)).toEqual([]);
  });

  test('GET /apps with another filter → 101 ""', async () => {
    for (const filter of ['foo', 'ENABLED', 'all']) await expectFailure(t, 'GET', `apps?filter=${filter}`, {}, 101, '', 400);
  });

  test('GET /apps/mail: the info map in order, version and licence from package.json', async () => {
    const info = {
      id: 'mail',
      name: 'Mail',
      description: 'Outgoing email over SMTP (welcome emails)',
      version: packageJson.version,
      licence: packageJson.license,
      author: 'Roster contributors',
      types: ['notification'],
    };
    const json = await ocsJson(t, 'GET', 1, 'apps/mail');
    expect(json.data).toEqual(info);
    expect(Object.keys(json.data as object)).toEqual(['id', 'name', 'description', 'version', 'licence', 'author', 'types']);
    const xml = await ocsRequest(t, 'GET', 2, 'apps/mail');
    expect(xml.status).toBe(200);
    expect(xml.text).toContain(
      [
        ' <data>',
        '  <id>mail</id>',
        '  <name>Mail</name>',
        '  <description>Outgoing email over SMTP (welcome emails)</description>',
        `  <version>${packageJson.version}</version>`,
        `  <licence>${packageJson.license}</licence>`,
        '  <author>Roster contributors</author>',
        '  <types>',
        '   <element>notification</element>',
        '  </types>',
        ' </data>',
        '</ocs>',
        '',
      ].join('\n'),
    );
    expect(await ok(t, 'GET', 'apps/nmcuser_oidc')).toMatchObject({ id: 'nmcuser_oidc', name: 'OpenID Connect user API', types: ['api', 'authentication'] });
    expect(await ok(t, 'GET', 'apps/provisioning_api/')).toMatchObject({ id: 'provisioning_api', name: 'Provisioning API', types: ['api'] });
  });

  test('unknown ids: GET and POST → 998, DELETE → 100', async () => {
    await expectFailure(t, 'GET', 'apps/files', {}, 998, 'The request app was not found', 404);
    await expectFailure(t, 'GET', 'apps/MAIL', {}, 998, 'The request app was not found', 404);
    await expectFailure(t, 'POST', 'apps/files', {}, 998, 'The request app was not found', 404);
    await ok(t, 'DELETE', 'apps/files');
    await ok(t, 'DELETE', 'apps/files', {}, 2);
    expect(await appState(t)).toEqual([]);
  });

  test('ids with %2F, "..", backslash or NUL → 997 "Invalid app id given" with HTTP 401 on v1 and v2', async () => {
    for (const id of ['mail%2Fx', '%2Fmail', '..', 'mail..', 'a%5Cb', '%5C']) {
      for (const method of ['GET', 'POST', 'DELETE'] as const) {
        await expectFailure(t, method, `apps/${id}`, {}, 997, 'Invalid app id given', 401, 401);
      }
    }
    expect(await appState(t)).toEqual([]);
  });

  test('an id with NUL → 997 "Invalid app id given" (HTTP 401) like the other forbidden characters', async () => {
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      // Regression guard: at commit 1c32d9e the validator's NUL rule (src/core/validator.ts) refused the
      // param before checkAppId (procedures/ocs/apps.ts) ran, answering 101 "" (v1 200 / v2 400) instead of 997/401.
      await expectFailure(t, method, 'apps/mail%00', {}, 997, 'Invalid app id given', 401, 401);
    }
  });

  test('non-admins → 403 "Logged in account must be an admin" on every apps route', async () => {
    for (const caller of ['sub', 'plain']) {
      for (const [method, path] of [['GET', 'apps'], ['GET', 'apps/mail'], ['POST', 'apps/mail'], ['DELETE', 'apps/mail']] as const) {
        await expectFailure(t, method, path, { caller: as(caller) }, 403, 'Logged in account must be an admin', 403);
      }
    }
    expect(await appState(t)).toEqual([]);
  });

  test('case 35: DELETE /apps/provisioning_api → 101 "cannot disable this app" (v1 200 / v2 400)', async () => {
    await expectFailure(t, 'DELETE', 'apps/provisioning_api', {}, 101, 'cannot disable this app', 400);
    expect(await ok(t, 'GET', 'apps?filter=enabled')).toEqual({ apps: ALL });
    await ok(t, 'POST', 'apps/provisioning_api');
  });

  test('case 34: DELETE /apps/mail, then filter=disabled → ["mail"]; enable and disable are idempotent and stored', async () => {
    await ok(t, 'DELETE', 'apps/mail');
    expect(await ok(t, 'GET', 'apps?filter=disabled')).toEqual({ apps: ['mail'] });
    expect(await ok(t, 'GET', 'apps?filter=enabled')).toEqual({ apps: ALL.filter((a) => a !== 'mail') });
    expect(await ok(t, 'GET', 'apps')).toEqual({ apps: ALL });
    expect(await appState(t)).toEqual([['mail', false]]);
    await ok(t, 'DELETE', 'apps/mail', {}, 2);
    expect(await appState(t)).toEqual([['mail', false]]);
    await ok(t, 'POST', 'apps/mail');
    await ok(t, 'POST', 'apps/mail/', {}, 2);
    expect(await appState(t)).toEqual([['mail', true]]);
    expect(await ok(t, 'GET', 'apps?filter=disabled')).toEqual({ apps: [] });
  });
});

describe('component state shared by two instances on one database', () => {
  let a: TestApp;
  let b: TestApp;
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    const env = { SMTP_URL: smtp.url, MAIL_FROM, PUBLIC_URL: 'https://roster.example.org/' };
    a = await startTestApp({ env });
    b = await startTestApp({ env, db: a.db });
    await seedOcsFixtures(a);
    await smtp.waitForMessages(1); // alice's welcome email on creation
  }, 120_000);
  afterAll(async () => {
    await b.close();
    await a.close();
    await smtp.close();
  });

  const jsonrpc = (t: TestApp, path: '/jsonrpc.php' | '/rpc', auth: 'app' | readonly [string, string] = 'app') =>
    t.call(path, { jsonrpc: '2.0', method: 'getMe', id: 1 }, auth);

  test('disabling jsonrpc through A: B answers 404 {"message":"App jsonrpc is disabled"} at once on both endpoints', async () => {
    expect((await b.rpc('/rpc', 'getUserByName', { username: 'alice' })).result).toMatchObject({ username: 'alice' });
    await ok(a, 'DELETE', 'apps/jsonrpc');
    for (const t of [b, a]) {
      for (const path of ['/jsonrpc.php', '/rpc'] as const) {
        const res = await t.call(path, { jsonrpc: '2.0', method: 'getAllGroups', id: 1 });
        expect([res.status, res.text]).toEqual([404, DISABLED_BODY]);
        const unauthenticated = await request(t.app).post(path).set('Content-Type', 'application/json').send('{}');
        expect([unauthenticated.status, unauthenticated.text]).toEqual([404, DISABLED_BODY]);
      }
    }
    expect(await ok(b, 'GET', 'apps?filter=disabled')).toEqual({ apps: ['jsonrpc'] });
  });

  test('while jsonrpc is disabled, credentials keep working over OCS; re-enabling through B restores JSON-RPC with the same credentials', async () => {
    expect(await ok(a, 'GET', 'user', { caller: as('alice') })).toMatchObject({ id: 'alice' });
    expect(await ok(b, 'GET', 'users?search=alice')).toEqual({ users: ['alice'] });
    await ok(b, 'POST', 'apps/jsonrpc', {}, 2);
    for (const t of [a, b]) {
      expect((await t.rpc('/rpc', 'getUserByName', { username: 'alice' })).result).toMatchObject({ username: 'alice' });
      const asAlice = await jsonrpc(t, '/jsonrpc.php', ['alice', PASSWORD]);
      expect([asAlice.status, asAlice.body.result?.username]).toEqual([200, 'alice']);
      const token = await request(t.app).post('/rpc').auth('jsonrpc', API_TOKEN).set('Content-Type', 'application/json').send('{"jsonrpc":"2.0","method":"getAllGroups","id":2}');
      expect(token.status).toBe(200);
      expect(token.body.result.map((g: { name: string }) => g.name)).toEqual(expect.arrayContaining(['admin', 'team', 'other']));
    }
    expect(await appState(a)).toEqual([['jsonrpc', true]]);
  });

  test('disabling mail: POST /users/{id}/welcome → 102 and creation sends nothing; enabling again sends', async () => {
    await ok(a, 'DELETE', 'apps/mail');
    await expectFailure(b, 'POST', 'users/alice/welcome', {}, 102, 'Sending email failed', 400);
    await createOcsUser(b, { userid: 'quiet', email: 'quiet@example.com' });
    await ok(b, 'POST', 'apps/mail');
    // the sentinel: a welcome email sent after the creation; nothing else may have arrived
    await ok(a, 'POST', 'users/alice/welcome');
    await smtp.waitForMessages(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.messages.map((m) => m.envelope.rcptTo)).toEqual([['alice@example.com'], ['alice@example.com']]);
    await createOcsUser(a, { userid: 'loud', email: 'loud@example.com' });
    const received = await smtp.waitForMessages(3);
    expect(received[2].envelope.rcptTo).toEqual(['loud@example.com']);
  });
});
