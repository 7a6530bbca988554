/**
 * The fixture of the authorization matrix: one app on a fresh database with a principal for every
 * column of ./columns.ts, the groups and the private project they act on, and targets — shared ones
 * (created once, for reads and for cells that must be denied) and fresh ones (created per cell, for
 * writes that are expected to run, so no cell sees another cell's change).
 *
 * Principals authenticate the way real clients do: users with their password (stored as a bcrypt
 * hash of cost 4, so the `wrong` column's bcrypt run per request is cheap; successes are remembered,
 * PASSWORD_CACHE_TTL_MS), the app-admin's app password as minted by `roster token create`, an OIDC
 * user's app password as minted by the nmcuser_oidc token route, and the application token. `lock`
 * is locked by seven failed logins (BRUTEFORCE_LOCKDOWN 6), `dis` by disableUser; both are
 * app-admins, like `wrong`, so their refusals can only be authentication.
 */
import bcrypt from 'bcrypt';
import { createToken } from '../../src/cli/tokenCommand';
import { ADMIN, startTestApp, type Auth, type TestApp } from '../helpers/app';
import { oidc } from '../helpers/nmcuserOidc';
import { COLUMNS, type Column } from './columns';

export const PASSWORD = 'Matrix-pw-1';
export const WRONG_SECRET = 'Not-the-pw-1';
const CHEAP_HASH = bcrypt.hashSync(PASSWORD, 4);
/** The OIDC provider seeded from OIDC_PROVIDERS (id 1). */
export const PROVIDER = 'Telekom';

export interface TargetUser {
  id: number;
  username: string;
}
export interface TargetGroup {
  id: number;
  name: string;
}
export interface TargetProject {
  id: number;
  name: string;
  identifier: string;
  email: string;
}

/**
 * What a cell's params may name. `user()`: an app-user with an email, member of `team` and `crew`,
 * subadmin of `crew`, project-member of `project()`. `group()`: a group holding `user()`, granted
 * project-member on `project()`. `project()`: a private project with the view/memb/pmgr grants and
 * one activity event. `provider()`: an OIDC provider id. `oidcUser()`: the id of a user of Telekom.
 */
export interface Targets {
  user(): Promise<TargetUser>;
  group(): Promise<TargetGroup>;
  project(): Promise<TargetProject>;
  provider(): Promise<number>;
  oidcUser(): Promise<string>;
}

/** The groups of the OCS columns: subT is subadmin of team, crew and pool; subO of other. */
export interface Groups {
  admin: number;
  team: number;
  crew: number;
  pool: number;
  other: number;
}

export type UserColumn = Exclude<Column, 'anon' | 'token'>;

export interface World {
  t: TestApp;
  auth: Readonly<Record<Column, Auth>>;
  /** The user behind each user column (appPw: the admin). */
  user: Readonly<Record<UserColumn, TargetUser>>;
  groups: Groups;
  /** A user in no group and without grants, and a group without grants: what add* calls add. */
  spareUser: TargetUser;
  spareGroup: TargetGroup;
  shared: Targets;
  /** New targets, each created on first use. */
  fresh(): Targets;
  /** A new unique suffix for names. */
  unique(prefix: string): string;
  /**
   * Sends one request as `column`. For `wrong` it checks that the request was refused as a counted
   * wrong password of an unlocked account (the counter starts at 0 and ends at 1), and for `lock`
   * that the lock held without counting.
   */
  as<T>(column: Column, send: () => Promise<T>): Promise<T>;
  /** A digest per table of everything a call could change (authentication bookkeeping excluded). */
  fingerprint(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** The domain tables; audit_events and rate_limit_windows are bookkeeping, as are the login columns of users. */
const STATE_TABLES = [
  'users', 'groups', 'group_has_users', 'group_subadmins', 'projects', 'project_has_users', 'project_has_groups',
  'project_activities', 'app_passwords', 'oidc_providers', 'app_state', 'settings',
] as const;
const LOGIN_COLUMNS = ['last_login', 'nb_failed_login', 'lock_expiration_date'];
/** One query: a digest of each state table's rows (order-independent). */
const FINGERPRINT_SQL = STATE_TABLES.map((table) => {
  const drop = table === 'users' ? LOGIN_COLUMNS.map((c) => ` - '${c}'`).join('') : '';
  return `SELECT '${table}' AS t, md5(coalesce(string_agg(r, '|' ORDER BY r), '')) AS digest FROM (SELECT (to_jsonb(x)${drop})::text AS r FROM ${table} x) s`;
}).join(' UNION ALL ');

let serial = 0;

export async function createWorld(): Promise<World> {
  const t = await startTestApp({ env: { OIDC_PROVIDERS: PROVIDER, PASSWORD_CACHE_TTL_MS: '3600000' } });
  const knex = t.knex;
  const unique = (prefix: string) => `${prefix}-${(serial += 1)}`;
  const insertId = async (table: string, row: Record<string, unknown>) => Number((await knex(table).insert(row).returning('id'))[0].id);

  const idOf = async (name: string) => Number((await knex('groups').where({ name }).first('id')).id);
  const groups: Groups = {
    admin: await idOf('admin'),
    team: await insertId('groups', { name: 'team' }),
    crew: await insertId('groups', { name: 'crew' }),
    pool: await insertId('groups', { name: 'pool' }),
    other: await insertId('groups', { name: 'other' }),
  };
  const telekom = Number((await knex('oidc_providers').whereRaw('lower(identifier) = ?', [PROVIDER.toLowerCase()]).first('id')).id);

  // principals are inserted directly; app-admins are members of `admin`, the same fact (§16)
  const created = async (username: string, role = 'app-user'): Promise<TargetUser> => {
    const id = await insertId('users', { username, password: CHEAP_HASH, role });
    if (role === 'app-admin') await knex('group_has_users').insert({ group_id: groups.admin, user_id: id });
    return { id, username };
  };
  const user = {
    wrong: await created('authz-wrong', 'app-admin'),
    lock: await created('authz-locked', 'app-admin'),
    dis: await created('authz-disabled', 'app-admin'),
    user: await created('authz-user'),
    mgr: await created('authz-manager', 'app-manager'),
    admin: { id: 1, username: ADMIN.username },
    view: await created('authz-viewer'),
    memb: await created('authz-member'),
    pmgr: await created('authz-pm'),
    nonm: await created('authz-nonmember'),
    subT: await created('authz-sub-team'),
    subO: await created('authz-sub-other'),
    appPw: { id: 1, username: ADMIN.username },
    oidc: { id: 0, username: 'authz-oidc-caller' },
  };
  for (const group of [groups.team, groups.crew, groups.pool]) await knex('group_subadmins').insert({ user_id: user.subT.id, group_id: group });
  await knex('group_subadmins').insert({ user_id: user.subO.id, group_id: groups.other });

  // lock: seven wrong passwords (the seventh locks); dis: disabled by the API
  for (let i = 0; i < 7; i += 1) await t.rpc('/rpc', 'getVersion', undefined, [user.lock.username, WRONG_SECRET]);
  const locked = await knex('users').where({ id: user.lock.id }).first('nb_failed_login', 'lock_expiration_date');
  if (Number(locked.nb_failed_login) !== 7 || Number(locked.lock_expiration_date) <= t.services.now()) throw new Error(`authz-locked is not locked: ${JSON.stringify(locked)}`);
  if ((await t.rpc('/rpc', 'disableUser', { user_id: user.dis.id })).result !== true) throw new Error('disableUser authz-disabled failed');

  // appPw: the CLI's `token create`; oidc: the nmcuser_oidc create and token routes
  const minted = await createToken(knex, ADMIN.username, 'authz-matrix');
  if (minted.exitCode !== 0) throw new Error(`token create failed: ${minted.stderr}`);
  const oidcCreated = await oidc(t, 'POST', `nmcusers/${PROVIDER}`, { json: { username: user.oidc.username, displayname: 'OIDC caller' } });
  const tokenAnswer = await oidc(t, 'GET', `token/${PROVIDER}/${user.oidc.username}`);
  if (oidcCreated.status !== 200 || tokenAnswer.status !== 200) throw new Error(`OIDC caller: ${oidcCreated.text} ${tokenAnswer.text}`);
  user.oidc.id = Number((await knex('users').where({ username: user.oidc.username }).first('id')).id);

  const auth = {} as Record<Column, Auth>;
  for (const column of COLUMNS) {
    if (column === 'anon') auth[column] = 'none';
    else if (column === 'token') auth[column] = 'app';
    else if (column === 'admin') auth[column] = [ADMIN.username, ADMIN.password];
    else if (column === 'appPw') auth[column] = [ADMIN.username, minted.stdout.trim()];
    else if (column === 'oidc') auth[column] = [user.oidc.username, (JSON.parse(tokenAnswer.text) as { token: string }).token];
    else if (column === 'wrong') auth[column] = [user.wrong.username, WRONG_SECRET];
    else auth[column] = [user[column].username, PASSWORD];
  }

  const spareUser = { id: await insertId('users', { username: 'authz-spare' }), username: 'authz-spare' };
  const spareGroup = { id: await insertId('groups', { name: 'authz-spare-group' }), name: 'authz-spare-group' };
  // nonm manages a private project of its own, so it is a project manager — elsewhere
  const elsewhere = await insertId('projects', { name: 'authz-elsewhere', is_private: true, owner_id: user.nonm.id });
  await knex('project_has_users').insert({ project_id: elsewhere, user_id: user.nonm.id, role: 'project-manager' });

  async function newUser(): Promise<TargetUser> {
    const username = unique('authz-target');
    const id = await insertId('users', { username, name: `Target ${username}`, email: `${username}@example.com` });
    await knex('group_has_users').insert([{ group_id: groups.team, user_id: id }, { group_id: groups.crew, user_id: id }]);
    await knex('group_subadmins').insert({ user_id: id, group_id: groups.crew });
    return { id, username };
  }

  async function newGroup(member: TargetUser): Promise<TargetGroup> {
    const name = unique('authz-group');
    const id = await insertId('groups', { name });
    await knex('group_has_users').insert({ group_id: id, user_id: member.id });
    return { id, name };
  }

  async function newProject(member: TargetUser, group: TargetGroup): Promise<TargetProject> {
    const name = unique('authz-private');
    const n = serial;
    const identifier = `AUTHZ${n}`;
    const email = `authz-private-${n}@example.com`;
    const id = await insertId('projects', { name, identifier, email, is_private: true, owner_id: user.pmgr.id });
    await knex('project_has_users').insert([
      { project_id: id, user_id: user.view.id, role: 'project-viewer' },
      { project_id: id, user_id: user.memb.id, role: 'project-member' },
      { project_id: id, user_id: user.pmgr.id, role: 'project-manager' },
      { project_id: id, user_id: member.id, role: 'project-member' },
    ]);
    await knex('project_has_groups').insert({ project_id: id, group_id: group.id, role: 'project-member' });
    // one event, so the activity procedures' success differs from their failure value ([])
    await knex('project_activities').insert({ date_creation: 1, event_name: 'project.create', creator_id: null, project_id: id, author_username: 'seed', author_name: null, data: '{}' });
    return { id, name, identifier, email };
  }

  const newProvider = () => insertId('oidc_providers', { identifier: unique('authz-provider') });

  async function newOidcUser(): Promise<string> {
    const username = unique('authz-oidc');
    await knex('users').insert({ username, is_oidc_user: true, oidc_provider_id: telekom, oidc_subject: username, migrated: true });
    return username;
  }

  /** Targets created on first use and kept for the rest of the cell. */
  function lazyTargets(): Targets {
    const memo = new Map<string, Promise<unknown>>();
    const once = <T>(key: string, make: () => Promise<T>) => () => {
      if (!memo.has(key)) memo.set(key, make());
      return memo.get(key) as Promise<T>;
    };
    const targets: Targets = {
      user: once('user', newUser),
      group: once('group', async () => newGroup(await targets.user())),
      project: once('project', async () => newProject(await targets.user(), await targets.group())),
      provider: once('provider', newProvider),
      oidcUser: once('oidcUser', newOidcUser),
    };
    return targets;
  }

  const shared = lazyTargets();
  await Promise.all([shared.user(), shared.group(), shared.project(), shared.provider(), shared.oidcUser()].map((p) => p.then(() => undefined)));

  async function loginState(id: number) {
    const row = await knex('users').where({ id }).first('nb_failed_login', 'lock_expiration_date');
    return { failed: Number(row.nb_failed_login), lockedUntil: Number(row.lock_expiration_date) };
  }

  return {
    t,
    auth,
    user,
    groups,
    spareUser,
    spareGroup,
    shared,
    fresh: lazyTargets,
    unique,
    async as(column, send) {
      if (column === 'wrong') await knex('users').where({ id: user.wrong.id }).update({ nb_failed_login: 0, lock_expiration_date: 0 });
      const lockBefore = column === 'lock' ? await loginState(user.lock.id) : null;
      const answer = await send();
      if (column === 'wrong') expect({ wrongPassword: await loginState(user.wrong.id) }).toEqual({ wrongPassword: { failed: 1, lockedUntil: 0 } });
      if (lockBefore) expect({ locked: await loginState(user.lock.id) }).toEqual({ locked: lockBefore });
      return answer;
    },
    async fingerprint() {
      const result = await knex.raw(FINGERPRINT_SQL);
      return Object.fromEntries((result.rows as { t: string; digest: string }[]).map((r) => [r.t, r.digest]));
    },
    close: () => t.close(),
  };
}
