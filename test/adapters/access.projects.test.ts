/**
 * Project access matrix (contract §5.1, §5.3, §5.4, §15 item 2): every registered project-scoped
 * procedure × every kind of caller, at both endpoints. The procedures come from the access map
 * filtered by the registry, so the matrix grows as procedures are registered; the required level of
 * each procedure is written out here from §5.2, not read from the code.
 *
 * Each case runs on a fresh project holding the same grants, so an allowed write (removeProject,
 * removeProjectUser, …) cannot disturb the next case. A denied case must leave the project, its
 * grants and its events exactly as they were.
 */
import { ACCESS_MAP } from '../../src/core/access';
import { registry } from '../../procedures';
import { ADMIN, type Auth, type Endpoint, type TestApp, startTestApp } from '../helpers/app';
import { appPasswordAuth, grantUser, insertGroup, insertProject, projectState, userGrants } from '../helpers/projectGrants';
import { COMPAT_FORBIDDEN } from '../helpers/protocol';

const ENDPOINTS: Endpoint[] = ['/jsonrpc.php', '/rpc'];
type Level = 'project-viewer' | 'project-manager';

/** §5.2: the minimum project role of every project-scoped procedure. */
const SPEC_LEVEL: Record<string, Level> = {};
for (const name of 'getProjectById getProjectByName getProjectByIdentifier getProjectByEmail getProjectActivity getProjectActivities getProjectUsers getAssignableUsers getProjectUserRole'.split(' ')) {
  SPEC_LEVEL[name] = 'project-viewer';
}
for (const name of 'updateProject removeProject enableProject disableProject enableProjectPublicAccess disableProjectPublicAccess addProjectUser addProjectGroup removeProjectUser removeProjectGroup changeProjectUserRole changeProjectGroupRole'.split(' ')) {
  SPEC_LEVEL[name] = 'project-manager';
}

/** What one case's params may refer to. */
interface Target {
  project: number;
  name: string;
  identifier: string;
  email: string;
  /** a user with a direct project-member grant, and a group with a project-member grant */
  user: number;
  group: number;
  /** a user and a group without any grant on the project */
  spareUser: number;
  spareGroup: number;
}

/** Valid params per procedure (named, so they bind the same way at both endpoints). */
const PARAMS: Record<string, (x: Target) => Record<string, unknown>> = {
  getProjectById: (x) => ({ project_id: x.project }),
  getProjectByName: (x) => ({ name: x.name }),
  getProjectByIdentifier: (x) => ({ identifier: x.identifier.toLowerCase() }),
  getProjectByEmail: (x) => ({ email: x.email }),
  getProjectActivity: (x) => ({ project_id: x.project }),
  getProjectActivities: (x) => ({ project_ids: [x.project] }),
  updateProject: (x) => ({ project_id: x.project, name: `${x.name} renamed` }),
  removeProject: (x) => ({ project_id: x.project }),
  enableProject: (x) => ({ project_id: x.project }),
  disableProject: (x) => ({ project_id: x.project }),
  enableProjectPublicAccess: (x) => ({ project_id: x.project }),
  disableProjectPublicAccess: (x) => ({ project_id: x.project }),
  getProjectUsers: (x) => ({ project_id: x.project }),
  getAssignableUsers: (x) => ({ project_id: x.project, prepend_unassigned: true }),
  getProjectUserRole: (x) => ({ project_id: x.project, user_id: x.user }),
  addProjectUser: (x) => ({ project_id: x.project, user_id: x.spareUser, role: 'project-member' }),
  addProjectGroup: (x) => ({ project_id: x.project, group_id: x.spareGroup }),
  removeProjectUser: (x) => ({ project_id: x.project, user_id: x.user }),
  removeProjectGroup: (x) => ({ project_id: x.project, group_id: x.group }),
  changeProjectUserRole: (x) => ({ project_id: x.project, user_id: x.user, role: 'project-viewer' }),
  changeProjectGroupRole: (x) => ({ project_id: x.project, group_id: x.group, role: 'project-viewer' }),
};

/** The registered project-scoped procedures (access map entries whose user rule is an object). */
const registered = new Set(registry.map((p) => p.name));
const PROJECT_SCOPED = [...ACCESS_MAP.entries()].filter(([name, rule]) => typeof rule.user === 'object' && registered.has(name)).map(([name]) => name);

/** Every kind of caller and what the spec lets it do on the fixture project (see freshProject). */
type Outcome = 'allowed' | 'viewer-only' | 'denied';
interface CallerSpec {
  label: string;
  outcome: Outcome;
}
const CALLERS: CallerSpec[] = [
  { label: 'app token', outcome: 'allowed' },
  { label: 'app-admin without a grant', outcome: 'denied' },
  { label: 'app-manager without a grant', outcome: 'denied' },
  { label: 'app-user without a grant', outcome: 'denied' },
  { label: 'project-manager', outcome: 'allowed' },
  { label: 'project-member', outcome: 'viewer-only' },
  { label: 'project-viewer', outcome: 'viewer-only' },
  { label: 'custom role', outcome: 'denied' },
  { label: 'non-member (manager of another project)', outcome: 'denied' },
  { label: 'project-manager, unknown project', outcome: 'denied' },
  { label: 'project-manager via a group', outcome: 'allowed' },
  { label: 'project-member via a group', outcome: 'viewer-only' },
  { label: 'custom group role over a member group role', outcome: 'denied' },
  { label: 'direct viewer over a manager group role', outcome: 'viewer-only' },
];

let t: TestApp;
const auth: Record<string, Auth> = {};
const ids: Record<string, number> = {};
const groups: Record<string, number> = {};
let otherProject: number;
let serial = 0;

/** Users created through the API, authenticated with app passwords. */
async function caller(label: string, username: string, extra: Record<string, unknown> = {}): Promise<void> {
  ids[label] = await t.createUser(username, 'password1', extra);
  auth[label] = await appPasswordAuth(t, username, 'password1');
}

beforeAll(async () => {
  t = await startTestApp();
  ids['app-admin without a grant'] = 1;
  auth['app-admin without a grant'] = await appPasswordAuth(t, ADMIN.username, ADMIN.password);
  await caller('app-manager without a grant', 'm-appmanager', { role: 'app-manager' });
  await caller('app-user without a grant', 'm-appuser');
  await caller('project-manager', 'm-pm');
  await caller('project-member', 'm-member');
  await caller('project-viewer', 'm-viewer');
  await caller('custom role', 'm-custom');
  await caller('non-member (manager of another project)', 'm-nonmember');
  await caller('project-manager via a group', 'm-gmanager');
  await caller('project-member via a group', 'm-gmember');
  await caller('custom group role over a member group role', 'm-gcustom');
  await caller('direct viewer over a manager group role', 'm-dviewer');
  ids['project-manager, unknown project'] = ids['project-manager'];
  auth['project-manager, unknown project'] = auth['project-manager'];
  auth['app token'] = 'app';
  ids.target = await t.createUser('m-target');
  ids.spare = await t.createUser('m-spare');
  groups.manager = await insertGroup(t, 'm-managers', [ids['project-manager via a group'], ids['direct viewer over a manager group role']]);
  groups.member = await insertGroup(t, 'm-members', [ids['project-member via a group'], ids['custom group role over a member group role']]);
  groups.custom = await insertGroup(t, 'm-customs', [ids['custom group role over a member group role']]);
  groups.target = await insertGroup(t, 'm-target-group');
  groups.spare = await insertGroup(t, 'm-spare-group');
  otherProject = await insertProject(t, { name: 'm-other' });
  await grantUser(t, otherProject, ids['non-member (manager of another project)'], 'project-manager');
});
afterAll(() => t.close());

/** A fresh project with the matrix grants. */
async function freshProject(): Promise<Target> {
  serial += 1;
  const name = `matrix-${serial}`;
  const identifier = `MX${serial}`;
  const email = `mx${serial}@example.com`;
  const project = await insertProject(t, { name, identifier, email });
  const direct: [string | number, string][] = [
    ['project-manager', 'project-manager'],
    ['project-member', 'project-member'],
    ['project-viewer', 'project-viewer'],
    ['custom role', 'auditor'],
    ['direct viewer over a manager group role', 'project-viewer'],
    [ids.target, 'project-member'],
  ];
  await t.knex('project_has_users').insert(direct.map(([who, role]) => ({ project_id: project, user_id: typeof who === 'number' ? who : ids[who], role })));
  await t.knex('project_has_groups').insert([
    { project_id: project, group_id: groups.manager, role: 'project-manager' },
    { project_id: project, group_id: groups.member, role: 'project-member' },
    { project_id: project, group_id: groups.custom, role: 'auditor' },
    { project_id: project, group_id: groups.target, role: 'project-member' },
  ]);
  // one event, so the activity procedures' success ([event]) differs from their failure value ([])
  await t.knex('project_activities').insert({
    date_creation: 1, event_name: 'project.create', creator_id: null, project_id: project, author_username: 'seed', author_name: null, data: '{}',
  });
  return { project, name, identifier, email, user: ids.target, group: groups.target, spareUser: ids.spare, spareGroup: groups.spare };
}

const UNKNOWN_PROJECT = 2000000000;

function unknownTarget(x: Target): Target {
  return { ...x, project: UNKNOWN_PROJECT, name: 'no-such-project', identifier: 'NOSUCHPROJECT', email: 'no-such-project@example.com' };
}

function expectedOutcome(spec: CallerSpec, level: Level): 'allowed' | 'denied' {
  if (spec.outcome === 'viewer-only') return level === 'project-viewer' ? 'allowed' : 'denied';
  return spec.outcome;
}

const strictForbidden = (required: Level, id: unknown = 1) =>
  JSON.stringify({ jsonrpc: '2.0', error: { code: -32003, message: 'Forbidden', data: { reason: 'forbidden', required } }, id });

describe('the matrix covers what is registered', () => {
  test('project-scoped procedures are registered, and each has a §5.2 level matching the access map and matrix params', () => {
    expect(PROJECT_SCOPED).toEqual(expect.arrayContaining(['getProjectUsers', 'getAssignableUsers', 'getProjectUserRole', 'addProjectUser', 'changeProjectGroupRole']));
    for (const name of PROJECT_SCOPED) {
      const rule = ACCESS_MAP.get(name)!;
      expect({ name, level: typeof rule.user === 'object' ? rule.user.project : rule.user, app: rule.app }).toEqual({ name, level: SPEC_LEVEL[name], app: true });
      expect({ name, hasParams: name in PARAMS }).toEqual({ name, hasParams: true });
    }
  });
});

const cases: [Endpoint, string, string][] = [];
for (const endpoint of ENDPOINTS) for (const name of PROJECT_SCOPED) for (const spec of CALLERS) cases.push([endpoint, name, spec.label]);

describe('project access matrix', () => {
  test.each(cases)('%s %s as %s', async (endpoint, name, label) => {
    const spec = CALLERS.find((c) => c.label === label)!;
    const target = await freshProject();
    const params = PARAMS[name](label.endsWith('unknown project') ? unknownTarget(target) : target);
    const before = await projectState(t, target.project);
    const res = await t.call(endpoint, { jsonrpc: '2.0', method: name, params, id: 1 }, auth[label]);
    if (expectedOutcome(spec, SPEC_LEVEL[name]) === 'denied') {
      if (endpoint === '/jsonrpc.php') expect({ status: res.status, text: res.text }).toEqual({ status: 403, text: COMPAT_FORBIDDEN });
      else expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: strictForbidden(SPEC_LEVEL[name]) });
      expect(await projectState(t, target.project)).toEqual(before);
      return;
    }
    // allowed: the call runs and succeeds (valid params, existing targets): no error, and at compat
    // not the failure value either
    expect(res.status).toBe(200);
    const body = res.body as { result?: unknown; error?: unknown };
    expect({ name, error: body.error }).toEqual({ name, error: undefined });
    expect(body).toHaveProperty('result');
    const failure = registry.find((p) => p.name === name)!.failure;
    expect({ name, result: body.result }).not.toEqual({ name, result: failure });
  });
});

describe('the same denial whatever the reason (§5.3)', () => {
  test.each(ENDPOINTS)('%s: non-member, custom role, app-admin and unknown project get identical bytes', async (endpoint) => {
    const target = await freshProject();
    const texts = new Set<string>();
    for (const [label, project] of [
      ['non-member (manager of another project)', target.project],
      ['custom role', target.project],
      ['app-admin without a grant', target.project],
      ['project-manager', UNKNOWN_PROJECT],
      ['app-user without a grant', UNKNOWN_PROJECT],
    ] as const) {
      const res = await t.call(endpoint, { jsonrpc: '2.0', method: 'getProjectUsers', params: [project], id: 7 }, auth[label]);
      texts.add(`${res.status} ${res.text}`);
    }
    expect([...texts]).toEqual([endpoint === '/jsonrpc.php' ? `403 ${COMPAT_FORBIDDEN}` : `200 ${strictForbidden('project-viewer', 7)}`]);
  });
});

describe('batches (§5.4)', () => {
  /** A project the caller manages and one where it is only a member. */
  async function twoProjects() {
    const managed = await freshProject();
    const memberOnly = await freshProject();
    return { managed, memberOnly };
  }
  const member = 'project-member';

  test('compat: one denied element answers 403 and nothing runs, not even the allowed write before it', async () => {
    const { managed, memberOnly } = await twoProjects();
    // project-member on both fixture projects; make it manager of the first
    await t.knex('project_has_users').where({ project_id: managed.project, user_id: ids[member] }).update({ role: 'project-manager' });
    const before = [await projectState(t, managed.project), await projectState(t, memberOnly.project)];
    const batch = [
      { jsonrpc: '2.0', method: 'addProjectUser', params: [managed.project, ids.spare], id: 1 },
      { jsonrpc: '2.0', method: 'getProjectUsers', params: [memberOnly.project], id: 2 },
      { jsonrpc: '2.0', method: 'removeProjectUser', params: [memberOnly.project, ids.target], id: 3 },
    ];
    const res = await t.call('/jsonrpc.php', batch, auth[member]);
    expect({ status: res.status, text: res.text }).toEqual({ status: 403, text: COMPAT_FORBIDDEN });
    expect([await projectState(t, managed.project), await projectState(t, memberOnly.project)]).toEqual(before);
  });

  test('compat: a denied notification also denies the whole batch', async () => {
    const { managed, memberOnly } = await twoProjects();
    await t.knex('project_has_users').where({ project_id: managed.project, user_id: ids[member] }).update({ role: 'project-manager' });
    const before = await userGrants(t, managed.project);
    const batch = [
      { jsonrpc: '2.0', method: 'addProjectUser', params: [managed.project, ids.spare], id: 1 },
      { jsonrpc: '2.0', method: 'removeProjectUser', params: [memberOnly.project, ids.target] },
    ];
    const res = await t.call('/jsonrpc.php', batch, auth[member]);
    expect({ status: res.status, text: res.text }).toEqual({ status: 403, text: COMPAT_FORBIDDEN });
    expect(await userGrants(t, managed.project)).toEqual(before);
  });

  test('strict: the denied element gets -32003 in its slot and the others run', async () => {
    const { managed, memberOnly } = await twoProjects();
    await t.knex('project_has_users').where({ project_id: managed.project, user_id: ids[member] }).update({ role: 'project-manager' });
    const batch = [
      { jsonrpc: '2.0', method: 'addProjectUser', params: [managed.project, ids.spare], id: 1 },
      { jsonrpc: '2.0', method: 'removeProjectUser', params: [memberOnly.project, ids.target], id: 2 },
      { jsonrpc: '2.0', method: 'getProjectUserRole', params: [memberOnly.project, ids.target], id: 3 },
    ];
    const res = await t.call('/rpc', batch, auth[member]);
    expect(res.status).toBe(200);
    expect(res.text).toBe(
      `[{"jsonrpc":"2.0","result":true,"id":1},${strictForbidden('project-manager', 2)},{"jsonrpc":"2.0","result":"project-member","id":3}]`,
    );
    expect(await userGrants(t, managed.project)).toContain(`${ids.spare}:project-member`);
    expect(await userGrants(t, memberOnly.project)).toContain(`${ids.target}:project-member`);
  });

  test('compat: an element denied only when it runs (an earlier element removed the grant) gets 403 in its slot', async () => {
    const target = await freshProject();
    const pm = 'project-manager';
    const batch = [
      { jsonrpc: '2.0', method: 'removeProjectUser', params: [target.project, ids[pm]], id: 1 },
      { jsonrpc: '2.0', method: 'getProjectUsers', params: [target.project], id: 2 },
      { jsonrpc: '2.0', method: 'getVersion', id: 3 },
    ];
    const res = await t.call('/jsonrpc.php', batch, auth[pm]);
    expect(res.status).toBe(200);
    expect(res.text).toBe(
      '[{"jsonrpc":"2.0","result":true,"id":1},{"jsonrpc":"2.0","error":{"code":403,"message":"Forbidden"},"id":2},{"jsonrpc":"2.0","result":"1.2.53","id":3}]',
    );
    expect(await userGrants(t, target.project)).not.toContain(`${ids[pm]}:project-manager`);
  });
});
