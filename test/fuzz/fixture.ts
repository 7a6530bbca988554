/**
 * What the fuzzer aims at: users (several roles, odd names), groups with a subadmin, projects with
 * grants, a private project, an app password, OIDC users of two providers — created through the
 * real APIs — and the credentials of every kind of caller. `restore` puts the accounts the fuzzer
 * logs in with back as they were (a fuzzed call may rename, demote, disable or delete them, or turn
 * a component off), so that later requests still reach the code behind authentication.
 */
import bcrypt from 'bcrypt';
import request from 'supertest';
import { API_TOKEN, ADMIN, type TestApp } from '../helpers/app';
import { sha256Hex } from '../../src/auth/secrets';
import type { PasswordService } from '../../src/core/procedure';
import type { Random } from './random';
import { badAuthorization } from './wire';

export const PASSWORD = 'Fuzz-secret-1';
/** Cheap bcrypt (cost 4) for the fuzzer's app: thousands of logins and new passwords stay fast. */
export const fastPasswords: PasswordService = {
  hash: (plain) => bcrypt.hash(plain, 4),
  verify: (plain, hash) => bcrypt.compare(plain, hash.replace(/^\$2y\$/, '$2b$')),
};

export interface Targets {
  userIds: number[];
  usernames: string[];
  groupIds: number[];
  groupNames: string[];
  projectIds: number[];
  projectNames: string[];
  identifiers: string[];
  emails: string[];
  providerIds: number[];
  providers: string[];
  oidcUserIds: string[];
  appIds: string[];
}

interface Account {
  id: number;
  username: string;
  role: string;
}

export interface Fixture {
  targets: Targets;
  /** Authorization header values by caller label. */
  credentials: Record<string, string>;
  /** Puts the fuzzer's own accounts, the team subadmin, the app password and every component back. */
  restore(): Promise<void>;
}

export const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`, 'utf8').toString('base64')}`;

async function rpc(t: TestApp, method: string, params: unknown, auth: readonly [string, string] | 'app' = 'app'): Promise<unknown> {
  const res = await t.call('/rpc', { jsonrpc: '2.0', method, params, id: 1 }, auth);
  if (!res.body || !('result' in res.body)) throw new Error(`fixture: ${method} failed: ${res.text}`);
  return res.body.result;
}

const ODD_USERNAMES = ["o'brien", 'Zoë 日本', 'x@y.z', 'dot.name', 'with space', 'UPPER', 'upper'];

/** Builds the fixture through JSON-RPC, OCS and nmcuser_oidc, as a client would. */
export async function buildFixture(t: TestApp): Promise<Fixture> {
  const userId = (username: string, extra: Record<string, unknown> = {}) => t.createUser(username, PASSWORD, extra);
  const manager = await userId('manager', { role: 'app-manager', email: 'manager@example.org', name: 'Manager' });
  const member = await userId('member', { email: 'member@example.org', name: 'Member <b>' });
  const sub = await userId('sub', { email: 'sub@example.org' });
  const victim = await userId('victim');
  const odd = [];
  for (const name of ODD_USERNAMES) odd.push(await userId(name));

  const team = (await rpc(t, 'createGroup', { name: 'team', external_id: 'ext-team' })) as number;
  const other = (await rpc(t, 'createGroup', { name: 'other' })) as number;
  const markup = (await rpc(t, 'createGroup', { name: 'ops<&>"' })) as number;
  for (const id of [sub, member]) await rpc(t, 'addGroupMember', { group_id: team, user_id: id });
  await rpc(t, 'addGroupMember', { group_id: other, user_id: victim });
  const ocs = await request(t.app)
    .post('/ocs/v2.php/cloud/users/sub/subadmins')
    .auth(ADMIN.username, ADMIN.password)
    .set('OCS-APIRequest', 'true')
    .type('form')
    .send('groupid=team');
  if (ocs.status !== 200) throw new Error(`fixture: subadmin failed: ${ocs.text}`);

  const alpha = (await rpc(t, 'createProject', { name: 'Alpha', identifier: 'ALPHA', email: 'alpha@example.org', owner_id: manager })) as number;
  const beta = (await rpc(t, 'createProject', { name: 'Beta', description: 'second' })) as number;
  await rpc(t, 'addProjectUser', { project_id: alpha, user_id: member, role: 'project-member' });
  await rpc(t, 'addProjectGroup', { project_id: alpha, group_id: team, role: 'project-viewer' });
  await rpc(t, 'addProjectUser', { project_id: beta, user_id: sub, role: 'project-manager' });
  const privateProject = (await rpc(t, 'createMyPrivateProject', { name: 'Private' }, ['member', PASSWORD])) as number;
  const appPassword = (await rpc(t, 'createMyAppPassword', { name: 'fuzz' }, ['member', PASSWORD])) as { token: string };

  const oidcUserIds: string[] = [];
  for (const [provider, username] of [['Telekom', 'oidc-one'], ['Telekom', 'oidc.two@example.org'], ['o2', 'o2-user']]) {
    const res = await request(t.app)
      .post(`/apps/nmcuser_oidc/api/1.1/nmcusers/${provider}`)
      .auth(ADMIN.username, ADMIN.password)
      .send({ username, displayname: `OIDC ${username}`, email: 'oidc@example.org' });
    if (res.status !== 200) throw new Error(`fixture: OIDC user failed: ${res.text}`);
    oidcUserIds.push(typeof res.body === 'string' ? res.body : username);
  }
  const providers = (await t.knex('oidc_providers').select('id', 'identifier')) as { id: number; identifier: string }[];

  const hash = await fastPasswords.hash(PASSWORD);
  const adminHash = await fastPasswords.hash(ADMIN.password);
  const accounts: (Account & { hash: string })[] = [
    { id: 1, username: ADMIN.username, role: 'app-admin', hash: adminHash },
    { id: manager, username: 'manager', role: 'app-manager', hash },
    { id: member, username: 'member', role: 'app-user', hash },
    { id: sub, username: 'sub', role: 'app-user', hash },
    { id: victim, username: 'victim', role: 'app-user', hash },
  ];
  const appPasswordRow = await t.knex('app_passwords').where({ user_id: member }).first();

  async function restore(): Promise<void> {
    const knex = t.knex;
    for (const account of accounts) {
      await knex('users').where({ username: account.username }).whereNot({ id: account.id }).update({ username: knex.raw("username || '~' || id") });
      const values = {
        username: account.username, password: account.hash, role: account.role, is_active: true, is_ldap_user: false, twofactor_activated: false,
        nb_failed_login: 0, lock_expiration_date: 0, is_oidc_user: false, oidc_provider_id: null, oidc_subject: null,
      };
      const updated = await knex('users').where({ id: account.id }).update(values);
      if (updated === 0) await knex('users').insert({ id: account.id, ...values });
    }
    if (!(await knex('app_passwords').where({ id: appPasswordRow.id }).first())) await knex('app_passwords').insert(appPasswordRow);
    await knex('app_passwords').where({ id: appPasswordRow.id }).update({ revoked_at: null });
    await knex('groups').where({ name: 'team' }).whereNot({ id: team }).update({ name: knex.raw("name || '~' || id") });
    if ((await knex('groups').where({ id: team }).update({ name: 'team' })) === 0) await knex('groups').insert({ id: team, name: 'team' });
    await knex.raw('INSERT INTO group_subadmins (user_id, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING', [sub, team]);
    await knex('app_state').update({ enabled: true });
  }
  await restore();

  return {
    targets: {
      userIds: [1, manager, member, sub, victim, ...odd],
      usernames: [ADMIN.username, 'manager', 'member', 'sub', 'victim', ...ODD_USERNAMES, 'nobody', 'Admin', ' admin', 'oidc-one'],
      groupIds: [1, team, other, markup],
      groupNames: ['admin', 'team', 'other', 'ops<&>"', 'Team', 'missing', 'admin '],
      projectIds: [alpha, beta, privateProject],
      projectNames: ['Alpha', 'Beta', 'Private', 'alpha'],
      identifiers: ['ALPHA', 'alpha', 'BETA', ''],
      emails: ['alpha@example.org', 'member@example.org', 'ALPHA@example.org', ''],
      providerIds: providers.map((p) => p.id),
      providers: [...providers.map((p) => p.identifier), 'telekom', 'O2', 'missing', String(providers[0].id)],
      oidcUserIds: [...oidcUserIds, 'oidc-one', 'missing'],
      appIds: ['jsonrpc', 'ocs', 'nmcuser_oidc', 'ldap', 'provisioning_api', 'files', 'missing', ''],
    },
    credentials: {
      app: basic('jsonrpc', API_TOKEN),
      admin: basic(ADMIN.username, ADMIN.password),
      manager: basic('manager', PASSWORD),
      member: basic('member', PASSWORD),
      sub: basic('sub', PASSWORD),
      appPassword: basic('member', appPassword.token),
      wrongPassword: basic('victim', 'wrong-password'),
      wrongToken: basic('jsonrpc', 'wrong-token'),
      unknownUser: basic('no-such-user', PASSWORD),
      sqlUser: basic("' OR 1=1 --", "' OR 1=1 --"),
      nulUser: basic('admin\u0000', ADMIN.password),
      digestAsSecret: basic('member', sha256Hex(appPassword.token)),
    },
    restore,
  };
}

/** One caller for a request: weighted towards the ones that get past authentication on `surface`. */
export function pickAuthorization(rng: Random, fixture: Fixture, surface: 'jsonrpc' | 'rpc' | 'ocs' | 'nmcuser_oidc'): { label: string; header?: string } {
  const c = fixture.credentials;
  const admin = surface === 'nmcuser_oidc' ? 14 : surface === 'ocs' ? 8 : 3;
  const label = rng.weighted<string>([
    [surface === 'jsonrpc' || surface === 'rpc' ? 10 : 1, 'app'], [admin, 'admin'], [2, 'manager'], [2, 'member'], [surface === 'ocs' ? 4 : 1, 'sub'],
    [2, 'appPassword'], [1, 'wrongPassword'], [0.5, 'wrongToken'], [0.5, 'unknownUser'], [0.3, 'sqlUser'], [0.3, 'nulUser'], [0.3, 'digestAsSecret'],
    [1, 'none'], [1, 'malformed'],
  ]);
  if (label === 'none') return { label };
  if (label === 'malformed') return { label, header: badAuthorization(rng) };
  return { label, header: c[label] };
}
