/**
 * `roster create-admin` as a process on an embedded database of its own: a generated password
 * (printed once) or one from stdin, the API's refusals, --promote; the effects are checked over
 * the HTTP API of the service started on the same data directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jsonRpc, runCli, startRoster } from '../helpers/process';
import { seedMigratedDataDir } from '../helpers/database';

const API_TOKEN = 'create-admin-test-token-0123456789';

let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-create-admin-'));
  await seedMigratedDataDir(dataDir); // the first start is tested elsewhere (embedded, cli.migrate)
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const roster = (args: string[], input?: string) => runCli(args, { DATA_DIR: dataDir }, input);
const serve = () => startRoster({ DATA_DIR: dataDir, API_TOKEN });

test('creates app-admins with a generated or a piped password, refuses what the API refuses, promotes existing users', async () => {
  const alice = await roster(['create-admin', 'alice']);
  expect(alice.code).toBe(0);
  expect(alice.stderr).toBe('');
  const generated = /^Created the app-admin user "alice" \(id 1\)\.\n {2}password: ([A-Za-z0-9]{24})\n {2}This password is shown only this once; store it now\.\n$/.exec(alice.stdout)?.[1];
  expect(generated).toBeDefined();

  // one line of stdin: the line break (CRLF too) is not part of the password, later lines are ignored
  expect(await roster(['create-admin', 'bob', '--password-stdin'], 'secret bob\r\nsecond line\n')).toEqual({ code: 0, stdout: 'Created the app-admin user "bob" (id 2).\n', stderr: '' });
  expect(await roster(['create-admin', 'alice'])).toEqual({ code: 1, stdout: '', stderr: 'a user "alice" already exists; add --promote to make it app-admin\n' });
  expect(await roster(['create-admin', 'carol', '--password-stdin'], 'abc\n')).toEqual({ code: 1, stdout: '', stderr: 'password must NOT have fewer than 6 characters\n' });
  expect(await roster(['create-admin', 'nobody', '--promote'])).toEqual({ code: 1, stdout: '', stderr: 'no user nobody\n' });

  let running = await serve();
  try {
    expect(running.stdout()).not.toContain('Created the admin user'); // users exist: no first-start admin
    expect((await jsonRpc(running.port, 'alice', generated!, 'getMe')).body).toMatchObject({ result: { id: 1, username: 'alice', role: 'app-admin', is_active: true } });
    expect((await jsonRpc(running.port, 'bob', 'secret bob', 'getMe')).body).toMatchObject({ result: { id: 2, username: 'bob', role: 'app-admin' } });
    expect((await jsonRpc(running.port, 'jsonrpc', API_TOKEN, 'getUserByName', { username: 'carol' })).body).toMatchObject({ result: null });
    expect((await jsonRpc(running.port, 'jsonrpc', API_TOKEN, 'createUser', { username: 'dave', password: 'secret dave' })).body).toMatchObject({ result: 3 });
  } finally {
    expect(await running.stop()).toBe(0);
  }

  expect(await roster(['create-admin', 'dave'])).toEqual({ code: 1, stdout: '', stderr: 'a user "dave" already exists; add --promote to make it app-admin\n' });
  expect(await roster(['create-admin', 'dave', '--promote'])).toEqual({ code: 0, stdout: 'Promoted "dave" (id 3) to app-admin.\n', stderr: '' });
  expect(await roster(['create-admin', 'dave', '--promote'])).toEqual({ code: 0, stdout: '"dave" (id 3) is already app-admin.\n', stderr: '' });

  running = await serve();
  try {
    // promoted, password unchanged
    expect((await jsonRpc(running.port, 'dave', 'secret dave', 'getMe')).body).toMatchObject({ result: { id: 3, username: 'dave', role: 'app-admin' } });
    const users = (await jsonRpc(running.port, 'jsonrpc', API_TOKEN, 'getAllUsers')).body as { result: Array<{ username: string; role: string }> };
    expect(users.result.map((u) => [u.username, u.role])).toEqual([
      ['alice', 'app-admin'],
      ['bob', 'app-admin'],
      ['dave', 'app-admin'],
    ]);
  } finally {
    expect(await running.stop()).toBe(0);
  }
}, 180000);

test('usage errors exit 2 before the database is opened; --help exits 0', async () => {
  const elsewhere = path.join(dataDir, 'unused');
  expect(await runCli(['create-admin', 'erin', '--promote', '--password-stdin'], { DATA_DIR: elsewhere }, 'secret erin\n')).toEqual({
    code: 2,
    stdout: '',
    stderr: '--password-stdin cannot be combined with --promote: promoting keeps the password\n',
  });
  expect(await runCli(['create-admin'], { DATA_DIR: elsewhere })).toEqual({ code: 2, stdout: '', stderr: "error: missing required argument 'username'\n" });
  expect(await runCli(['create-admin', 'erin', '--bogus'], { DATA_DIR: elsewhere })).toEqual({ code: 2, stdout: '', stderr: "error: unknown option '--bogus'\n" });
  expect(fs.existsSync(elsewhere)).toBe(false);
  const help = await runCli(['create-admin', '--help'], { DATA_DIR: elsewhere });
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('Usage: roster create-admin [options] <username>');
  expect(help.stdout).toContain('--password-stdin');
  expect(help.stdout).toContain('--promote');
}, 60000);
