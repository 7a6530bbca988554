/**
 * LDAP over TLS against a real OpenLDAP with a self-signed certificate: StartTLS (LDAP_START_TLS)
 * and `ldaps://`, with the certificate verified. The accepting cases run the service as a process
 * (`node dist/src/main.js`) so that NODE_EXTRA_CA_CERTS can make it trust the test certificate;
 * that also covers the configuration path of main. Start-up errors of LDAP_* settings too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app';
import { jsonRpc, runToExit, startRoster, type RunningRoster } from '../helpers/process';
import { PEOPLE, startLdapServer, type LdapServer } from '../helpers/ldap';
import { seedMigratedDataDir } from '../helpers/database';

const API_TOKEN = 'tls-test-api-token-0123456789abcdef';
const ADMIN_PASSWORD = 'tls-admin-password';

let ldap: LdapServer;
let dataDir: string;
beforeAll(async () => {
  ldap = await startLdapServer({ tls: true });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-ldap-tls-'));
  await seedMigratedDataDir(dataDir); // the first start is tested elsewhere (embedded, cli.migrate)
});
afterAll(async () => {
  await ldap?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function roster(env: Record<string, string>): Promise<RunningRoster> {
  return startRoster({
    DATA_DIR: dataDir,
    API_TOKEN,
    ADMIN_PASSWORD,
    ...ldap.env,
    NODE_EXTRA_CA_CERTS: ldap.certificateFile!,
    ...env,
  });
}

test.each([
  ['StartTLS', () => ({ LDAP_START_TLS: 'true' }), 'alice'],
  ['ldaps://', () => ({ LDAP_URL: ldap.ldapsUrl! }), 'bob'],
])('%s with a trusted certificate: createLdapUser and a password login work', async (_name, env, username) => {
  const running = await roster(env());
  try {
    const created = await jsonRpc(running.port, 'jsonrpc', API_TOKEN, 'createLdapUser', [username]);
    expect(created).toEqual({ status: 200, body: { jsonrpc: '2.0', result: expect.any(Number), id: 1 } });
    const me = await jsonRpc(running.port, username, PEOPLE[username].password, 'getMe');
    expect(me).toMatchObject({ status: 200, body: { result: { username, is_ldap_user: true } } });
    expect((await jsonRpc(running.port, username, 'wrong-password', 'getMe')).status).toBe(401);
  } finally {
    expect(await running.stop()).toBe(0);
  }
});

describe('an untrusted certificate is refused', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  test.each([
    ['StartTLS', () => ({ LDAP_START_TLS: 'true' })],
    ['ldaps://', () => ({ LDAP_URL: ldap.ldapsUrl! })],
  ])('%s → ldap_unavailable', async (_name, env) => {
    t = await startTestApp({ env: { ...ldap.env, ...env() } });
    expect(await t.rpc('/rpc', 'createLdapUser', ['alice'])).toEqual({
      jsonrpc: '2.0',
      error: { code: -32005, message: 'Precondition failed', data: { reason: 'ldap_unavailable' } },
      id: 1,
    });
  });
});

test.each([
  [{ LDAP_URL: 'ldap://127.0.0.1:1', LDAP_USER_BASE_DN: '' }, 'LDAP_USER_BASE_DN is required when LDAP_URL is set'],
  [{ LDAP_BIND_PASSWORD: '' }, 'LDAP_BIND_DN and LDAP_BIND_PASSWORD must be set together'],
  [{ LDAP_USER_FILTER: '(uid=alice)' }, 'LDAP_USER_FILTER must contain %s'],
])('the service refuses to start: %j', async (env, message) => {
  const result = await runToExit({ DATA_DIR: dataDir, API_TOKEN, ADMIN_PASSWORD, ...ldap.env, ...env });
  expect(result.code).not.toBe(0);
  expect(`${result.stdout}${result.stderr}`).toContain(message);
  expect(`${result.stdout}${result.stderr}`).not.toContain(ldap.env.LDAP_BIND_PASSWORD);
});
