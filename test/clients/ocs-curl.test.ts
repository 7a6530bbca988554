/**
 * scripts/ocs-provisioning.sh — the curl walk-through of the OCS provisioning API — run unchanged
 * against a live Roster on a real port: it must finish with exit status 0 and leave the database as
 * it found it (its user and groups gone, no membership or subadmin row left over). Failing runs must
 * say which step failed, exit 1, and remove only what they created.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = 'scripts/ocs-provisioning.sh';
const TIMEOUT = 90_000;

let t: TestApp;
let server: Server;
let url: string;
let home: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the script with only the given environment (plus PATH and an empty HOME, so no ~/.curlrc). */
function runScript(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [SCRIPT],
      { cwd: ROOT, timeout: TIMEOUT - 10_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ROSTER_URL: url, ...env } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

const admin = { ROSTER_USER: ADMIN.username, ROSTER_PASSWORD: ADMIN.password };

/** Every row that the flow could touch, to compare before and after a run. */
async function snapshot() {
  return {
    users: (await t.knex('users').orderBy('id').select('id', 'username', 'role', 'is_active', 'email')) as unknown[],
    groups: (await t.knex('groups').orderBy('id').select('id', 'name')) as unknown[],
    members: (await t.knex('group_has_users').orderBy(['group_id', 'user_id']).select('group_id', 'user_id')) as unknown[],
    subadmins: (await t.knex('group_subadmins').orderBy(['group_id', 'user_id']).select('group_id', 'user_id')) as unknown[],
  };
}

async function usersNamed(...names: string[]) {
  return t.knex('users').whereIn('username', names).select('username');
}

async function groupsNamed(...names: string[]) {
  return t.knex('groups').whereIn('name', names).select('name');
}

beforeAll(async () => {
  const which = await new Promise<boolean>((resolve) => execFile('bash', ['-c', 'command -v curl'], (error) => resolve(!error)));
  if (!which) throw new Error('curl is not installed on this machine: scripts/ocs-provisioning.sh needs it (apt-get install curl)');
  home = mkdtempSync(path.join(tmpdir(), 'roster-ocs-curl-'));
  t = await startTestApp();
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (server) await new Promise((resolve) => server.close(resolve));
  if (t) await t.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

test(
  'the provisioning flow completes and leaves no trace',
  async () => {
    const before = await snapshot();
    const run = await runScript(admin);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });

    // every step ran and was checked
    for (const line of [
      '==> 0. check the credentials',
      "==> 1. create group 'ocs-demo-staff'",
      "==> 1. create group 'ocs-demo-project'",
      "==> 2. create user 'ocs-demo-user' in 'ocs-demo-staff'",
      '    created id: ocs-demo-user',
      '    groups: "ocs-demo-staff"',
      '    email now: "ocs-demo.new@example.org"',
      '    subadmin of: "ocs-demo-project"',
      '    found: "ocs-demo-user"',
      '    enabled: false',
      '    enabled: true',
      '    groups now: "ocs-demo-project"',
      '==> 11. delete user',
      "==> 12. delete group 'ocs-demo-staff'",
      "==> 12. delete group 'ocs-demo-project'",
      'OK: provisioning flow completed',
    ]) {
      expect(run.stdout).toContain(line);
    }
    expect(run.stdout.match(/ok: HTTP/g)).toHaveLength(23);

    expect(await usersNamed('ocs-demo-user')).toEqual([]);
    expect(await groupsNamed('ocs-demo-staff', 'ocs-demo-project')).toEqual([]);
    expect(await snapshot()).toEqual(before);
  },
  TIMEOUT,
);

test(
  'ids with spaces, quotes, slashes and non-ASCII characters go through unchanged',
  async () => {
    const before = await snapshot();
    const names = { DEMO_USER: "Zoe O'Neil", DEMO_GROUP: 'España/Équipe 😀 <x>', DEMO_GROUP2: 'team "two" & co, \\y' };
    const run = await runScript({ ...admin, ...names, DEMO_EMAIL: 'zoe@example.com', DEMO_EMAIL2: 'zoe@example.org' });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toContain('    groups: "Espa\\u00f1a\\/\\u00c9quipe \\ud83d\\ude00 \\u003Cx\\u003E"');
    expect(run.stdout).toContain('    groups now: "team \\"two\\" & co, \\\\y"');
    expect(run.stdout).toContain('OK: provisioning flow completed');

    expect(await usersNamed(names.DEMO_USER)).toEqual([]);
    expect(await groupsNamed(names.DEMO_GROUP, names.DEMO_GROUP2)).toEqual([]);
    expect(await snapshot()).toEqual(before);
  },
  TIMEOUT,
);

test(
  'wrong credentials stop the flow at step 0 with 997, nothing created',
  async () => {
    const before = await snapshot();
    const run = await runScript({ ROSTER_USER: ADMIN.username, ROSTER_PASSWORD: 'not-the-password' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('FAILED: 0. check the credentials');
    expect(run.stderr).toContain('got HTTP 401 and statuscode 997 Unauthorised');
    expect(run.stdout).not.toContain('==> 1.');
    expect(await snapshot()).toEqual(before);
    // the failed login counted toward the shared lockout, and a successful one resets it
    expect((await t.knex('users').where({ username: ADMIN.username }).first('nb_failed_login')).nb_failed_login).toBe(1);
  },
  TIMEOUT,
);

test(
  'an existing user (any letter case) stops the flow at step 2 with 102; only the groups of this run are removed',
  async () => {
    const existingId = await t.createUser('OCS-Demo-User', 'password1', { email: 'keep@example.com' });
    const before = await snapshot();
    const run = await runScript(admin);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("FAILED: 2. create user 'ocs-demo-user'");
    expect(run.stderr).toContain('statuscode 102 User already exists');
    expect(run.stderr).toContain('cleanup: deleting group ocs-demo-staff');
    expect(run.stderr).toContain('cleanup: deleting group ocs-demo-project');
    expect(run.stderr).not.toContain('cleanup: deleting user');

    expect(await groupsNamed('ocs-demo-staff', 'ocs-demo-project')).toEqual([]);
    expect(await t.knex('users').where({ id: existingId }).first('username', 'email')).toEqual({ username: 'OCS-Demo-User', email: 'keep@example.com' });
    expect(await snapshot()).toEqual(before);
    // the successful step 0 reset the lockout counter of the previous test
    expect((await t.knex('users').where({ username: ADMIN.username }).first('nb_failed_login')).nb_failed_login).toBe(0);
  },
  TIMEOUT,
);
