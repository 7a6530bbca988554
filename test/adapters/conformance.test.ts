/**
 * Conformance audit against the JSON-RPC contract: deviations found by trying the spec's rules on a
 * running server. Each test names the section it checks.
 */
import { startTestApp, type Auth, type TestApp } from '../helpers/app';
import { COMPAT, STRICT } from '../helpers/users';
import { userWithAuth } from '../helpers/projectGrants';
import { callAs } from '../helpers/projects';

let t: TestApp;
let pm: { id: number; auth: Auth };
let member: number;
let group = 0;
let project = 0;

beforeAll(async () => {
  t = await startTestApp();
  pm = await userWithAuth(t, 'pm', { name: 'Pat M', role: 'app-manager' });
  member = await t.createUser('mem', 'password1', { name: 'Mem B' });
  group = (await t.rpc(STRICT, 'createGroup', ['Crew'])).result as number;
  project = JSON.parse((await callAs(t, STRICT, 'createProject', { name: 'Conf' }, pm.auth)).text).result as number;
});
afterAll(() => t.close());

describe('§9 event object: data members in the order of the event table', () => {
  test('user and group events list their data members in spec order at both endpoints', async () => {
    const steps: [string, unknown][] = [
      ['addProjectUser', [project, member, 'project-member']],
      ['changeProjectUserRole', [project, member, 'project-viewer']],
      ['removeProjectUser', [project, member]],
      ['addProjectGroup', [project, group, 'project-member']],
      ['changeProjectGroupRole', [project, group, 'custom']],
      ['removeProjectGroup', [project, group]],
    ];
    for (const [method, params] of steps) {
      expect(JSON.parse((await callAs(t, STRICT, method, params, pm.auth)).text).result).toBe(true);
    }
    for (const endpoint of [COMPAT, STRICT]) {
      const events = JSON.parse((await callAs(t, endpoint, 'getProjectActivity', [project], pm.auth)).text).result as {
        event_name: string;
        data: Record<string, unknown>;
      }[];
      const keys = Object.fromEntries(events.map((e) => [e.event_name, Object.keys(e.data)]));
      expect(keys).toEqual({
        'project.group.remove': ['group_id', 'group_name'],
        'project.group.role': ['group_id', 'group_name', 'role', 'previous_role'],
        'project.group.add': ['group_id', 'group_name', 'role'],
        'project.user.remove': ['user_id', 'username', 'name'],
        'project.user.role': ['user_id', 'username', 'name', 'role', 'previous_role'],
        'project.user.add': ['user_id', 'username', 'name', 'role'],
        'project.create': [],
      });
      const text = JSON.stringify(events);
      expect(text).toContain(`"data":{"user_id":${member},"username":"mem","name":"Mem B","role":"project-member"}`);
      expect(text).toContain(`"data":{"group_id":${group},"group_name":"Crew","role":"custom","previous_role":"project-member"}`);
    }
  });

  test('project.update changes are listed in project-object column order', async () => {
    const params = { project_id: project, priority_end: 5, owner_id: 0, description: 'd', identifier: 'conf', name: 'Conf 2' };
    expect(JSON.parse((await callAs(t, COMPAT, 'updateProject', params, pm.auth)).text).result).toBe(true);
    const text = (await callAs(t, COMPAT, 'getProjectActivity', [project], pm.auth)).text;
    expect(text).toContain('"data":{"changes":{"name":"Conf 2","description":"d","identifier":"CONF","owner_id":0,"priority_end":5}}');
  });
});

describe('NUL characters (Postgres text cannot store them)', () => {
  test('a NUL inside a string param is an invalid value, named in strict errors', async () => {
    const compat = await t.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'createUser', params: { username: 'a\u0000b', password: 'secret1' }, id: 1 });
    expect(compat.text).toBe('{"jsonrpc":"2.0","result":false,"id":1}');
    const strict = await t.call('/rpc', { jsonrpc: '2.0', method: 'getUserByName', params: { username: 'x\u0000y' }, id: 2 });
    expect(strict.text).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":{"reason":"invalid_params","errors":[{"instancePath":"/username","keyword":"nul","message":"must not contain NUL characters"}]}},"id":2}',
    );
    expect(Number((await t.knex('users').where({ username: 'ab' }).count({ n: '*' }))[0].n)).toBe(0);
  });
});
