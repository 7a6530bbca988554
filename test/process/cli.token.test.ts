/**
 * `roster token create|list|revoke|rotate-api` as a process on an embedded database of its own:
 * secrets printed once on stdout, listed without them, revoked and rotated; checked over the HTTP API
 * of the service started on the same data directory, and in the database (digests only, audit rows).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sha256Hex } from '../../src/auth/secrets';
import { openDatabase } from '../../src/db/database';
import { jsonRpc, runCli, startRoster } from '../helpers/process';
import { seedMigratedDataDir } from '../helpers/database';

let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-token-'));
  await seedMigratedDataDir(dataDir); // the first start is tested elsewhere (embedded, cli.migrate)
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const roster = (args: string[], env: Record<string, string> = {}, input?: string) => runCli(args, { DATA_DIR: dataDir, ...env }, input);
const DATE = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';

test('app passwords: create (printed once), list without secrets, revoke; the API token rotates; unknown users and ids are refused', async () => {
  expect(await roster(['token', 'create', 'alice'])).toEqual({ code: 1, stdout: '', stderr: 'no user alice\n' });
  expect((await roster(['create-admin', 'alice', '--password-stdin'], {}, 'secret alice\n')).code).toBe(0);

  const first = await roster(['token', 'create', 'alice']);
  expect(first).toEqual({ code: 0, stdout: expect.stringMatching(/^[A-Za-z0-9]{72}\n$/), stderr: '' });
  const second = await roster(['token', 'create', 'alice', '--name', 'laptop sync']);
  expect(second).toEqual({ code: 0, stdout: expect.stringMatching(/^[A-Za-z0-9]{72}\n$/), stderr: '' });
  const [token1, token2] = [first.stdout.trim(), second.stdout.trim()];

  const listed = await roster(['token', 'list', 'alice']);
  expect(listed.code).toBe(0);
  expect(listed.stderr).toBe('');
  expect(listed.stdout).toMatch(new RegExp(`^1\\tcli\\t${DATE}\\tcli\\n2\\tlaptop sync\\t${DATE}\\tcli\\n$`));

  expect(await roster(['token', 'revoke', 'alice', '1'])).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(await roster(['token', 'revoke', 'alice', '1'])).toEqual({ code: 1, stdout: '', stderr: 'no app password 1 for alice\n' });
  expect(await roster(['token', 'revoke', 'alice', 'x1'])).toEqual({ code: 1, stdout: '', stderr: 'no app password x1 for alice\n' });
  expect(await roster(['token', 'revoke', 'Alice', '2'])).toEqual({ code: 1, stdout: '', stderr: 'no user Alice\n' });

  const json = await roster(['token', 'list', 'alice', '--json']);
  expect(json.code).toBe(0);
  const entries = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
  expect(entries).toEqual([{ id: 2, name: 'laptop sync', created_at: expect.any(Number), created_by: 'cli' }]);
  expect(Math.abs((entries[0].created_at as number) - Date.now() / 1000)).toBeLessThan(300);
  expect(json.stdout).not.toContain(token2);

  const rotatedA = await roster(['token', 'rotate-api']);
  expect(rotatedA).toEqual({ code: 0, stdout: expect.stringMatching(/^[A-Za-z0-9]{48}\n$/), stderr: '' });
  const rotatedB = await roster(['token', 'rotate-api']);
  const [apiA, apiB] = [rotatedA.stdout.trim(), rotatedB.stdout.trim()];
  expect(apiB).toMatch(/^[A-Za-z0-9]{48}$/);
  expect(apiB).not.toBe(apiA);

  const running = await startRoster({ DATA_DIR: dataDir });
  try {
    expect(running.stdout()).not.toContain('API token'); // a stored token exists: none generated
    expect((await jsonRpc(running.port, 'alice', token2, 'getMe')).body).toMatchObject({ result: { id: 1, username: 'alice' } });
    expect((await jsonRpc(running.port, 'alice', token1, 'getMe')).status).toBe(401); // revoked
    expect((await jsonRpc(running.port, 'jsonrpc', apiB, 'getVersion')).status).toBe(200);
    expect((await jsonRpc(running.port, 'jsonrpc', apiA, 'getVersion')).status).toBe(401); // replaced
  } finally {
    expect(await running.stop()).toBe(0);
  }

  // only digests are stored; every change is in the audit log (create-admin's createUser first, its password by name only)
  const db = await openDatabase({ dataDir, poolSize: 1 });
  try {
    const rows = await db.knex('app_passwords').select('id', 'name', 'token_hash', 'created_by', 'revoked_at').orderBy('id');
    expect(rows.map((r) => [r.id, r.name, r.token_hash, r.created_by, r.revoked_at === null])).toEqual([
      [1, 'cli', sha256Hex(token1), 'cli', false],
      [2, 'laptop sync', sha256Hex(token2), 'cli', true],
    ]);
    expect((await db.knex('settings').where({ key: 'api_token_sha256' }).first('value')).value).toBe(sha256Hex(apiB));
    const events = await db.knex('audit_events').select('action', 'actor_username', 'target_username', 'details').orderBy('id');
    expect(events).toEqual([
      {
        action: 'createUser',
        actor_username: 'cli',
        target_username: 'alice',
        details: { credential: 'cli', changes: { username: 'alice', name: '', email: '', role: 'app-admin' }, secret_fields: ['password'] },
      },
      { action: 'cli.app_password.create', actor_username: 'cli', target_username: 'alice', details: { app_password_id: 1, name: 'cli' } },
      { action: 'cli.app_password.create', actor_username: 'cli', target_username: 'alice', details: { app_password_id: 2, name: 'laptop sync' } },
      { action: 'cli.app_password.revoke', actor_username: 'cli', target_username: 'alice', details: { app_password_id: 1 } },
      { action: 'cli.api_token.rotate', actor_username: 'cli', target_username: null, details: {} },
      { action: 'cli.api_token.rotate', actor_username: 'cli', target_username: null, details: {} },
    ]);
  } finally {
    await db.close();
  }
}, 240000);

test('refusals that need no database: API_TOKEN set, an invalid label; usage errors exit 2, --help exits 0', async () => {
  const elsewhere = path.join(dataDir, 'unused');
  const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { DATA_DIR: elsewhere, ...env });
  expect(await run(['token', 'rotate-api'], { API_TOKEN: 'configured-token' })).toEqual({
    code: 1,
    stdout: '',
    stderr:
      'API_TOKEN is set: the environment value takes precedence over the stored API token, so rotating would change nothing; change API_TOKEN where it is configured and restart Roster\n',
  });
  expect((await run(['token', 'rotate-api'], { API_AUTHENTICATION_TOKEN: 'configured-token' })).stderr).toMatch(/^API_AUTHENTICATION_TOKEN is set: /);
  expect(await run(['token', 'create', 'alice', '--name', 'x'.repeat(65)])).toEqual({ code: 1, stdout: '', stderr: 'name must NOT have more than 64 characters\n' });
  expect(await run(['token', 'create', 'alice', '--name', ''])).toEqual({ code: 1, stdout: '', stderr: 'name must NOT have fewer than 1 characters\n' });
  expect(await run(['token', 'revoke', 'alice'])).toEqual({ code: 2, stdout: '', stderr: "error: missing required argument 'id'\n" });
  expect((await run(['token', 'frobnicate'])).code).toBe(2);
  expect((await run(['token', 'list', 'alice', '--bogus'])).code).toBe(2);
  expect(fs.existsSync(elsewhere)).toBe(false);
  for (const command of [['token'], ['token', 'create'], ['token', 'list'], ['token', 'revoke'], ['token', 'rotate-api']]) {
    const help = await run([...command, '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`Usage: roster ${command.join(' ')}`);
  }
}, 60000);
