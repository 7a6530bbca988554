/**
 * Regression (a known upstream bug, kanboard-jsonrpc §5.3 and §12.1 #11): a caller without a role
 * on a private project cannot tell it from a project that does not exist — not by name, identifier
 * or email lookups, not by id through any project-scoped procedure, at either endpoint, whatever
 * their app role (no app-admin bypass) or subadmin rights. The answers must be byte-identical, and
 * a lookup by a name shared with a project the caller may see returns that one.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Endpoint } from '../helpers/app';
import type { Column } from './columns';
import { JSONRPC_CALLS } from './params.jsonrpc';
import { JSONRPC_ROWS } from './table.jsonrpc';
import { createWorld, type TargetProject, type Targets, type World } from './world';

let w: World;
let secret: TargetProject;
beforeAll(async () => {
  w = await createWorld();
  secret = await w.shared.project();
});
afterAll(() => w.close());

const ENDPOINTS: readonly Endpoint[] = ['/jsonrpc.php', '/rpc'];
/** Every caller without a role on the private project. */
const OUTSIDERS = ['user', 'mgr', 'admin', 'nonm', 'subT', 'subO', 'appPw', 'oidc'] as const satisfies readonly Column[];
const GHOST: TargetProject = { id: 2000000000, name: 'authz-no-such-project', identifier: 'NOSUCHPROJECT', email: 'no-such-project@example.com' };
const PROJECT_ROWS = JSONRPC_ROWS.filter((row) => row.requirement === 'project-viewer' || row.requirement === 'project-manager');

/** The shared targets, with the project replaced. */
const aimedAt = (project: TargetProject): Targets => ({ ...w.shared, project: async () => project });

async function answer(column: Column, endpoint: Endpoint, method: string, params: unknown): Promise<string> {
  const res = await w.t.call(endpoint, { jsonrpc: '2.0', method, params, id: 9 }, w.auth[column]);
  return `${res.status} ${res.text}`;
}

describe.each(OUTSIDERS)('%s', (column) => {
  test('gets the same answer for the private project as for a project that does not exist, from every project-scoped procedure', async () => {
    const before = await w.fingerprint();
    const differences: string[] = [];
    for (const row of PROJECT_ROWS) {
      const build = JSONRPC_CALLS[row.procedure].params!;
      const real = await build(aimedAt(secret), w);
      const ghost = await build(aimedAt(GHOST), w);
      expect(isDeepStrictEqual(real, ghost)).toBe(false);
      for (const endpoint of ENDPOINTS) {
        const seen = await answer(column, endpoint, row.procedure, real);
        const unseen = await answer(column, endpoint, row.procedure, ghost);
        if (seen !== unseen) differences.push(`${endpoint} ${row.procedure}: ${seen} ≠ ${unseen}`);
        expect(seen.startsWith(endpoint === '/rpc' ? '200 {"jsonrpc":"2.0","error":{"code":-32003' : '403 ')).toBe(true);
      }
    }
    expect(differences).toEqual([]);
    expect(await w.fingerprint()).toEqual(before);
  });

  test('cannot find it by name, identifier (any case) or email, and does not see it in their own lists', async () => {
    const probes: [string, Record<string, string>, Record<string, string>][] = [
      ['getProjectByName', { name: secret.name }, { name: GHOST.name }],
      ['getProjectByIdentifier', { identifier: secret.identifier }, { identifier: GHOST.identifier }],
      ['getProjectByIdentifier', { identifier: secret.identifier.toLowerCase() }, { identifier: GHOST.identifier.toLowerCase() }],
      ['getProjectByEmail', { email: secret.email }, { email: GHOST.email }],
    ];
    for (const endpoint of ENDPOINTS) {
      for (const [method, real, ghost] of probes) expect(await answer(column, endpoint, method, real)).toBe(await answer(column, endpoint, method, ghost));
      const list = await w.t.call(endpoint, { jsonrpc: '2.0', method: 'getMyProjectsList', id: 1 }, w.auth[column]);
      expect(Object.keys(list.body.result as object)).not.toContain(String(secret.id));
      const projects = await w.t.call(endpoint, { jsonrpc: '2.0', method: 'getMyProjects', id: 1 }, w.auth[column]);
      expect((projects.body.result as { id: number }[]).map((p) => p.id)).not.toContain(secret.id);
    }
  });
});

test('a name shared with a visible project finds the visible one, never the private one with the lower id', async () => {
  const name = w.unique('authz-shared-name');
  const [hidden] = await w.t.knex('projects').insert({ name, is_private: true, owner_id: w.user.pmgr.id }).returning('id');
  await w.t.knex('project_has_users').insert({ project_id: hidden.id, user_id: w.user.pmgr.id, role: 'project-manager' });
  const [visible] = await w.t.knex('projects').insert({ name }).returning('id');
  await w.t.knex('project_has_users').insert({ project_id: visible.id, user_id: w.user.user.id, role: 'project-viewer' });
  expect(Number(hidden.id)).toBeLessThan(Number(visible.id));
  for (const endpoint of ENDPOINTS) {
    const res = await w.t.call(endpoint, { jsonrpc: '2.0', method: 'getProjectByName', params: { name }, id: 1 }, w.auth.user);
    expect((res.body.result as { id: number }).id).toBe(Number(visible.id));
    // a member of the hidden one gets the hidden one (lowest id they may see)
    const own = await w.t.call(endpoint, { jsonrpc: '2.0', method: 'getProjectByName', params: { name }, id: 1 }, w.auth.pmgr);
    expect((own.body.result as { id: number }).id).toBe(Number(hidden.id));
  }
});

test('getProjectActivities naming it next to a project the caller may see is refused like naming one that does not exist', async () => {
  const [own] = await w.t.knex('projects').insert({ name: w.unique('authz-own') }).returning('id');
  await w.t.knex('project_has_users').insert({ project_id: own.id, user_id: w.user.user.id, role: 'project-viewer' });
  for (const endpoint of ENDPOINTS) {
    const seen = await answer('user', endpoint, 'getProjectActivities', { project_ids: [Number(own.id), secret.id] });
    expect(seen).toBe(await answer('user', endpoint, 'getProjectActivities', { project_ids: [Number(own.id), GHOST.id] }));
    expect(seen.startsWith(endpoint === '/rpc' ? '200 {"jsonrpc":"2.0","error":{"code":-32003' : '403 ')).toBe(true);
    expect(await answer('user', endpoint, 'getProjectActivities', { project_ids: [Number(own.id)] })).toBe(`200 {"jsonrpc":"2.0","result":[],"id":9}`);
  }
});

test('control: the private project exists and its viewer and the application token find it by every lookup', async () => {
  for (const column of ['view', 'token'] as const) {
    for (const [method, params] of [
      ['getProjectByName', { name: secret.name }],
      ['getProjectByIdentifier', { identifier: secret.identifier.toLowerCase() }],
      ['getProjectByEmail', { email: secret.email }],
      ['getProjectById', { project_id: secret.id }],
    ] as const) {
      const res = await w.t.call('/rpc', { jsonrpc: '2.0', method, params, id: 1 }, w.auth[column]);
      expect({ column, method, id: (res.body.result as { id?: number } | undefined)?.id }).toEqual({ column, method, id: secret.id });
    }
  }
});
