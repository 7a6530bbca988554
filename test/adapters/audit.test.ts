/**
 * The audit log records every successful mutation on every surface, in the transaction of the
 * change: actor, credential kind, surface, route, procedure, target, changed fields (secrets by name
 * only), request id, client address and time. Refused and failed calls leave no event; a failing
 * audit write takes the change with it.
 */
import { startTestApp, ADMIN, API_TOKEN, type TestApp } from '../helpers/app';
import { ocsJson, PASSWORD } from '../helpers/ocs';
import { oidc } from '../helpers/nmcuserOidc';
import { createDispatcher } from '../../src/core/dispatcher';
import { createValidator } from '../../src/core/validator';
import { registry } from '../../procedures';

/** The address every surface records for a caller on this host (supertest connects to 127.0.0.1). */
const LOOPBACK = expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/);

let t: TestApp;
const CLOCK = 1_900_000_000;

beforeAll(async () => {
  t = await startTestApp({ clockStart: CLOCK, env: { OIDC_PROVIDERS: 'Telekom' } });
});
afterAll(() => t.close());

type Event = Record<string, unknown> & { details: Record<string, unknown> };

async function events(): Promise<Event[]> {
  const rows = await t.knex('audit_events').orderBy('id');
  return rows.map((row) => ({ ...row, id: Number(row.id), created_at: Number(row.created_at), details: typeof row.details === 'string' ? JSON.parse(row.details) : row.details }));
}

async function newEvents<T>(action: () => Promise<T>): Promise<{ result: T; events: Event[] }> {
  const before = (await events()).length;
  const result = await action();
  return { result, events: (await events()).slice(before) };
}

const eventCount = async () => Number((await t.knex('audit_events').count({ n: '*' }).first())?.n);

describe('JSON-RPC', () => {
  test('createUser with the app token at /jsonrpc.php: one event, secret fields by name only', async () => {
    const { result, events: added } = await newEvents(() => t.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'createUser', params: { username: 'audit1', password: 'Sup3r-secret-pw', name: 'Audit One' }, id: 1 }).set('X-Request-Id', 'req-audit-1'));
    const id = result.body.result as number;
    expect(typeof id).toBe('number');
    expect(added).toEqual([
      {
        id: expect.any(Number),
        created_at: CLOCK,
        action: 'createUser',
        surface: 'jsonrpc',
        procedure: 'createUser',
        route: 'POST /jsonrpc.php',
        actor_username: 'jsonrpc',
        target_username: 'audit1',
        target: `created_id=${id}`,
        details: { credential: 'app_token', changes: { username: 'audit1', name: 'Audit One', email: '', role: 'app-user' }, secret_fields: ['password'] },
        request_id: 'req-audit-1',
        client_address: LOOPBACK,
      },
    ]);
    expect(JSON.stringify(added)).not.toContain('Sup3r-secret-pw');
  });

  test('updateUser by an admin user at /rpc: actor, credential kind and only the fields given', async () => {
    const id = await t.createUser('audit2', 'password2');
    const { events: added } = await newEvents(() => t.rpc('/rpc', 'updateUser', { id, role: 'app-manager' }, [ADMIN.username, ADMIN.password]));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({
      action: 'updateUser',
      surface: 'rpc',
      route: 'POST /rpc',
      actor_username: 'admin',
      target: `id=${id}`,
      details: { credential: 'password', changes: { role: 'app-manager' } },
    });
  });

  test('project and group grants name every identifying param in the target', async () => {
    const user = await t.createUser('audit3');
    const group = (await t.rpc('/rpc', 'createGroup', { name: 'audit-group' })).result as number;
    const project = (await t.rpc('/rpc', 'createProject', { name: 'Audit project' })).result as number;
    const { events: added } = await newEvents(async () => {
      await t.rpc('/rpc', 'addGroupMember', { group_id: group, user_id: user });
      await t.rpc('/rpc', 'addProjectUser', { project_id: project, user_id: user, role: 'project-member' });
    });
    expect(added.map((e) => [e.action, e.target, e.details.changes])).toEqual([
      ['addGroupMember', `group_id=${group} user_id=${user}`, {}],
      ['addProjectUser', `project_id=${project} user_id=${user}`, { role: 'project-member' }],
    ]);
  });

  test('createMyAppPassword: the mint is recorded with the row id, never the token', async () => {
    await t.createUser('audit4', 'password4');
    const { result, events: added } = await newEvents(() => t.rpc('/rpc', 'createMyAppPassword', { name: 'laptop' }, ['audit4', 'password4']));
    const minted = result.result as { id: number; token: string };
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ action: 'app_password.create', procedure: 'createMyAppPassword', actor_username: 'audit4', target_username: 'audit4', details: { credential: 'password', changes: { name: 'laptop' }, app_password_id: minted.id } });
    expect(JSON.stringify(added)).not.toContain(minted.token);
  });

  test('reads, refusals and failures leave no event', async () => {
    const before = await eventCount();
    await t.rpc('/rpc', 'getAllUsers');
    await t.rpc('/jsonrpc.php', 'createUser', { username: 'audit1', password: 'whatever1' }); // duplicate
    await t.rpc('/rpc', 'createUser', { username: 'x', password: 'short' }); // invalid
    await t.rpc('/rpc', 'removeUser', { user_id: 999999 }); // not found
    await t.rpc('/rpc', 'createUser', { username: 'audit-denied', password: 'password1' }, ['audit4', 'password4']); // forbidden
    await t.rpc('/rpc', 'createUser', { username: 'audit-anon', password: 'password1' }, 'none'); // unauthenticated
    expect(await eventCount()).toBe(before);
  });

  test('a batch records one event per successful element with the same request id', async () => {
    const { events: added } = await newEvents(() =>
      t.call('/rpc', [
        { jsonrpc: '2.0', method: 'createGroup', params: { name: 'audit-b1' }, id: 1 },
        { jsonrpc: '2.0', method: 'createGroup', params: { name: 'audit-b1' }, id: 2 },
        { jsonrpc: '2.0', method: 'createGroup', params: { name: 'audit-b2' }, id: 3 },
      ]).set('X-Request-Id', 'req-batch'),
    );
    expect(added.map((e) => [e.action, e.details.changes, e.request_id])).toEqual([
      ['createGroup', { name: 'audit-b1', external_id: '' }, 'req-batch'],
      ['createGroup', { name: 'audit-b2', external_id: '' }, 'req-batch'],
    ]);
  });
});

describe('OCS and nmcuser_oidc', () => {
  test('OCS create with a password and groups: route, client address, secret fields by name only', async () => {
    await t.rpc('/rpc', 'createGroup', { name: 'ocs-audit' });
    const { result, events: added } = await newEvents(() => ocsJson(t, 'POST', 2, 'users', { form: { userid: 'ocsaudit', password: PASSWORD, groups: ['ocs-audit'] } }));
    expect(result.statuscode).toBe(200);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({
      action: 'ocsCreateUser',
      surface: 'ocs',
      route: 'POST /ocs/v2.php/cloud/users',
      actor_username: 'admin',
      target_username: 'ocsaudit',
      target: 'userid=ocsaudit',
      details: { credential: 'password', changes: { groups: ['ocs-audit'] }, secret_fields: ['password'] },
    });
    expect(added[0].client_address).toEqual(LOOPBACK);
    expect(JSON.stringify(added)).not.toContain(PASSWORD);
  });

  test('OCS edit: the edited field is the change; a password edit is recorded by name only', async () => {
    const { events: added } = await newEvents(async () => {
      await ocsJson(t, 'PUT', 1, 'users/ocsaudit', { form: { key: 'email', value: 'ocs@audit.example' } });
      await ocsJson(t, 'PUT', 1, 'users/ocsaudit', { form: { key: 'password', value: 'N3w-pa55word!' } });
    });
    expect(added.map((e) => [e.action, e.route, e.target, e.details.changes, e.details.secret_fields])).toEqual([
      ['ocsEditUser', 'PUT /ocs/v1.php/cloud/users/{userid}', 'userid=ocsaudit', { email: 'ocs@audit.example' }, undefined],
      ['ocsEditUser', 'PUT /ocs/v1.php/cloud/users/{userid}', 'userid=ocsaudit', {}, ['password']],
    ]);
    expect(JSON.stringify(added)).not.toContain('N3w-pa55word!');
  });

  test('a refused OCS change (a missing group) leaves neither the user nor an event', async () => {
    const before = await eventCount();
    const answer = await ocsJson(t, 'POST', 2, 'users', { form: { userid: 'ocsaudit2', password: PASSWORD, groups: ['no-such-group'] } });
    expect(answer.statuscode).not.toBe(200);
    expect(await t.knex('users').where({ username: 'ocsaudit2' }).first()).toBeUndefined();
    expect(await eventCount()).toBe(before);
  });

  test('nmcuser_oidc create and token mint: the mint keeps its own action and ids, never the token', async () => {
    const { events: added } = await newEvents(async () => {
      const created = await oidc(t, 'POST', 'nmcusers/Telekom', { json: { username: 'sub-audit', displayname: 'Sub' } });
      expect(created.status).toBe(200);
      const id = created.body.id as string;
      const minted = await oidc(t, 'GET', `token/Telekom/${id}`);
      expect(minted.status).toBe(200);
      return { id, token: minted.body.token as string };
    });
    expect(added.map((e) => [e.action, e.surface, e.procedure])).toEqual([
      ['oidcCreateUser', 'nmcuser_oidc', 'oidcCreateUser'],
      ['nmcuser_oidc.token', 'nmcuser_oidc', 'oidcMintToken'],
    ]);
    expect(added[1].details).toMatchObject({ provider: 'Telekom', app_password_id: expect.any(Number) });
    expect(added[1].route).toBe('GET /apps/nmcuser_oidc/api/1.1/token/{provider}/{id}');
    expect(JSON.stringify(added)).not.toMatch(/"token":"[A-Za-z0-9]{72}"/);
  });
});

describe('the same transaction', () => {
  test('when the audit write fails, the change is rolled back and the call fails', async () => {
    const dispatcher = createDispatcher({
      registry,
      validator: createValidator(registry),
      db: t.knex,
      services: t.services,
      logger: { error: () => undefined },
      projectAccess: { allows: async () => true, anyVisible: async () => true },
      audit: async (trx) => {
        await trx('audit_events').insert({ created_at: 0, action: 'x', actor_username: 'x', details: '{}', request_id: 'x' });
        throw new Error('audit store unavailable');
      },
    });
    const procedure = dispatcher.resolve('createGroup', false, 'rpc')!;
    const before = await eventCount();
    await expect(dispatcher.call(procedure, { name: 'never-committed' }, { principal: { kind: 'app' }, mode: 'strict', requestId: 'r', surface: 'rpc' })).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await t.knex('groups').where({ name: 'never-committed' }).first()).toBeUndefined();
    expect(await eventCount()).toBe(before);
  });
});

test('the API token used above is not in the audit log', async () => {
  expect(JSON.stringify(await events())).not.toContain(API_TOKEN);
});
