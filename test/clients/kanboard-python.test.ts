/**
 * Kanboard's official Python client (Debian package python3-kanboard, installed by .ci/run) drives
 * Roster unchanged: user, group, project, group grant, then project users and the user's role.
 */
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { API_TOKEN, startTestApp, type TestApp } from '../helpers/app';

const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import json, os
from kanboard import Kanboard
kb = Kanboard(os.environ['ROSTER_URL'], 'jsonrpc', os.environ['ROSTER_TOKEN'])
out = {}
out['version'] = kb.get_version()
out['user_id'] = kb.create_user(username='biloute', password='123456', name='Biloute B')
out['duplicate'] = kb.create_user(username='biloute', password='123456')
out['group_id'] = kb.create_group(name='My Group A')
out['member'] = kb.add_group_member(group_id=out['group_id'], user_id=out['user_id'])
out['project_id'] = kb.create_project(name='Roster project')
out['grant'] = kb.add_project_group(project_id=out['project_id'], group_id=out['group_id'], role='project-manager')
out['project_users'] = kb.get_project_users(project_id=out['project_id'])
out['role'] = kb.get_project_user_role(project_id=out['project_id'], user_id=out['user_id'])
out['user'] = kb.get_user(user_id=out['user_id'])
try:
    kb.get_project_users()
    out['error'] = None
except Exception as e:
    out['error'] = str(e)
print(json.dumps(out))
`;

let t: TestApp;
let server: Server;
let url: string;
beforeAll(async () => {
  t = await startTestApp();
  server = await new Promise<Server>((resolve) => {
    const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jsonrpc.php`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

function runPython(): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ['-c', SCRIPT], { env: { ROSTER_URL: url, ROSTER_TOKEN: API_TOKEN, PATH: process.env.PATH ?? '' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`python3-kanboard client failed (is the Debian package python3-kanboard installed?): ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as Record<string, unknown>);
    });
  });
}

test('the official Kanboard Python client works unchanged', async () => {
  const out = await runPython();
  expect(out).toMatchObject({
    version: '1.2.53',
    user_id: 2,
    duplicate: false,
    group_id: 2,
    member: true,
    project_id: 1,
    grant: true,
    project_users: { '2': 'Biloute B' },
    role: 'project-manager',
    user: { id: 2, username: 'biloute', name: 'Biloute B', role: 'app-user', is_active: true },
    error: 'Invalid params',
  });
  expect(out.user).not.toHaveProperty('password');
  const grant = await t.knex('project_has_groups').where({ project_id: 1, group_id: 2 }).first('role');
  expect(grant?.role).toBe('project-manager');
});
