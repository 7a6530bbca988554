/**
 * A third-party OCS client from npm drives Roster's provisioning API unchanged:
 * `nextcloud-node-client` (a devDependency) talks to `/ocs/v1.php/cloud/…` with Basic auth, JSON
 * bodies and `Accept: application/json`, and needs nothing else of a Nextcloud (no WebDAV, login
 * flow or capabilities) for user and group management. The flow below is an admin's provisioning
 * run: groups, a user, edits, memberships, a subadmin acting in their scope, the client's bulk
 * `upsertUsers`, disable/enable, the `admin` group, and cleanup. Every step is checked in the
 * client's results and in the database.
 *
 * Known client assumptions that the flow avoids (not Roster bugs; both follow the spec):
 * - `updateUserProperty` on a missing user expects HTTP 401; v1 answers 200 with statuscode 101
 *   (§6.6), so the client throws `UserUpdateError` instead of `UserNotFoundError`.
 * - `getUserData` expects statuscode 404 for any failure; a subadmin reading a user outside their
 *   scope gets 998 with empty data (§6.4), and the client then fails reading `data.quota`.
 */
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Client,
  ClientError,
  OperationFailedError,
  Server as NextcloudServer,
  UserAlreadyExistsError,
  UserGroupAlreadyExistsError,
  UserGroupDeletionFailedError,
  UserGroupDoesNotExistError,
  UserNotFoundError,
  UserProperty,
  UserResendWelcomeEmailError,
  UserUpdateError,
} from 'nextcloud-node-client';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
let server: Server;
let origin: string;
let admin: Client;

const clientAs = (username: string, password: string) => new Client(new NextcloudServer({ url: origin, basicAuth: { username, password } }));

async function userRow(username: string) {
  return t.knex('users').where({ username }).first('id', 'username', 'password', 'name', 'email', 'is_active', 'role', 'quota', 'language', 'phone');
}

async function groupsOf(username: string): Promise<string[]> {
  const rows = await t.knex('group_has_users as m').join('groups as g', 'g.id', 'm.group_id').join('users as u', 'u.id', 'm.user_id').where('u.username', username).orderBy('g.name').select('g.name');
  return rows.map((r: { name: string }) => r.name);
}

async function subadminGroupsOf(username: string): Promise<string[]> {
  const rows = await t.knex('group_subadmins as s').join('groups as g', 'g.id', 's.group_id').join('users as u', 'u.id', 's.user_id').where('u.username', username).orderBy('g.name').select('g.name');
  return rows.map((r: { name: string }) => r.name);
}

async function groupNames(): Promise<string[]> {
  const rows = await t.knex('groups').orderBy('name').select('name');
  return rows.map((r: { name: string }) => r.name);
}

beforeAll(async () => {
  t = await startTestApp();
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  admin = clientAs(ADMIN.username, ADMIN.password);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

describe('nextcloud-node-client against Roster (OCS v1, JSON)', () => {
  test('creates and lists groups', async () => {
    expect((await admin.createUserGroup('team')).id).toBe('team');
    expect((await admin.createUserGroup('other')).id).toBe('other');
    await expect(admin.createUserGroup('team')).rejects.toBeInstanceOf(UserGroupAlreadyExistsError);
    expect(await admin.getUserGroupIds()).toEqual(['admin', 'other', 'team']);
    expect(await admin.getUserGroupIds('tea', 5)).toEqual(['team']);
    expect(await groupNames()).toEqual(['admin', 'other', 'team']);
  });

  test('creates a user; duplicates (any letter case) are refused', async () => {
    const user = await admin.createUser({ id: 'frank', email: 'frank@example.com', password: 'Frank-pw-1' });
    expect(user.id).toBe('frank');
    await expect(admin.createUser({ id: 'frank', password: 'Frank-pw-1' })).rejects.toBeInstanceOf(UserAlreadyExistsError);
    await expect(admin.createUser({ id: 'FRANK', password: 'Frank-pw-1' })).rejects.toBeInstanceOf(UserAlreadyExistsError);

    const row = await userRow('frank');
    expect(row).toMatchObject({ username: 'frank', email: 'frank@example.com', is_active: true, role: 'app-user', quota: 'default' });
    expect(row.password).toMatch(/^\$2[aby]\$/);
    expect(Number((await t.knex('users').whereRaw('lower(username) = ?', ['frank']).count({ n: '*' }).first())?.n)).toBe(1);
  });

  test('lists, searches and reads users', async () => {
    expect((await admin.getUsers()).map((u) => u.id)).toEqual(['admin', 'frank']);
    expect((await admin.getUsers('FRA', 1)).map((u) => u.id)).toEqual(['frank']);
    expect((await admin.getUser('frank'))?.id).toBe('frank');
    expect(await admin.getUserData('frank')).toMatchObject({
      enabled: true,
      subadminGroups: [],
      memberGroups: [],
      email: 'frank@example.com',
      displayName: 'frank',
      language: 'en',
      quota: { quota: -3, used: 0, relative: 0 },
    });
    await expect(admin.getUserData('nobody')).rejects.toBeInstanceOf(UserNotFoundError);
  });

  test('edits user fields', async () => {
    await admin.updateUserProperty('frank', UserProperty.email, 'frank.f@example.com');
    await admin.updateUserProperty('frank', UserProperty.displayName, 'Frank Fischer');
    await admin.updateUserProperty('frank', UserProperty.quota, '100MB');
    await admin.updateUserProperty('frank', UserProperty.phone, '+49 30 1234567');
    await admin.updateUserProperty('frank', UserProperty.language, 'de');
    await admin.updateUserProperty('frank', UserProperty.password, 'Frank-new-pw-2');
    // locale is not editable in Roster (113), which the client reports as an update error
    await expect(admin.updateUserProperty('frank', UserProperty.locale, 'de_DE')).rejects.toBeInstanceOf(UserUpdateError);
    await expect(admin.updateUserProperty('frank', UserProperty.email, 'not-an-email')).rejects.toBeInstanceOf(UserUpdateError);

    expect(await userRow('frank')).toMatchObject({ name: 'Frank Fischer', email: 'frank.f@example.com', quota: '104857600', phone: '+49 30 1234567', language: 'de' });
    const frank = await admin.getUser('frank');
    expect(await frank?.getQuota()).toMatchObject({ quota: 104857600, free: 104857600, total: 104857600, used: 0 });
    expect(await frank?.getDisplayName()).toBe('Frank Fischer');
    // the new password works, the old one does not
    expect((await clientAs('frank', 'Frank-new-pw-2').getUserData('frank')).email).toBe('frank.f@example.com');
    await expect(clientAs('frank', 'Frank-pw-1').getUsers()).rejects.toThrow(/HTTP response status 401/);
  });

  test('adds the user to groups and reads members', async () => {
    await admin.addUserToMemberUserGroup('frank', 'team');
    await admin.addUserToMemberUserGroup('frank', 'other');
    await admin.addUserToMemberUserGroup('frank', 'team'); // a no-op
    await expect(admin.addUserToMemberUserGroup('frank', 'nogroup')).rejects.toBeInstanceOf(UserGroupDoesNotExistError);
    await expect(admin.addUserToMemberUserGroup('nobody', 'team')).rejects.toBeInstanceOf(UserNotFoundError);

    expect(await admin.getUserGroupMembers('team')).toEqual(['frank']);
    await expect(admin.getUserGroupMembers('nogroup')).rejects.toBeInstanceOf(UserGroupDoesNotExistError);
    expect(await (await admin.getUser('frank'))?.getMemberUserGroupIds()).toEqual(['other', 'team']);
    expect(await groupsOf('frank')).toEqual(['other', 'team']);
  });

  test('bulk upsert creates a second user with groups, fields and state', async () => {
    const report = await admin.upsertUsers([
      { id: 'gina', email: 'gina@example.com', password: 'Gina-pw-123', displayName: 'Gina Gray', memberGroups: ['team', 'extra'], quota: '1GB', language: 'fr', enabled: true },
    ]);
    expect(report).toHaveLength(1);
    expect(report[0].message).toBe('User gina created');
    expect(report[0].changes.filter((c) => c.error)).toEqual([]);
    expect(report[0].changes.map((c) => c.property)).toEqual(expect.arrayContaining(['memberGroups', 'displayName', 'quota', 'language']));

    expect(await userRow('gina')).toMatchObject({ name: 'Gina Gray', email: 'gina@example.com', quota: '1073741824', language: 'fr', is_active: true });
    expect(await groupsOf('gina')).toEqual(['extra', 'team']); // the client created the missing group `extra`
    expect(await groupNames()).toEqual(['admin', 'extra', 'other', 'team']);
  });

  test('promotes a subadmin who then works in their scope only', async () => {
    await admin.promoteUserToUserGroupSubadmin('frank', 'team');
    await admin.promoteUserToUserGroupSubadmin('frank', 'team'); // twice is fine
    await expect(admin.promoteUserToUserGroupSubadmin('frank', 'nogroup')).rejects.toBeInstanceOf(UserGroupDoesNotExistError);
    await expect(admin.promoteUserToUserGroupSubadmin('nobody', 'team')).rejects.toBeInstanceOf(UserNotFoundError);
    expect(await admin.getUserGroupSubadmins('team')).toEqual(['frank']);
    expect(await (await admin.getUser('frank'))?.getSubadminUserGroupIds()).toEqual(['team']);
    expect(await subadminGroupsOf('frank')).toEqual(['team']);

    const frank = clientAs('frank', 'Frank-new-pw-2');
    expect((await frank.getUsers()).map((u) => u.id)).toEqual(['frank', 'gina']); // members of `team`, not admin
    expect((await frank.getUserData('gina')).displayName).toBe('Gina Gray');
    await frank.updateUserProperty('gina', UserProperty.phone, '+33 1 23 45 67 89');
    expect((await userRow('gina')).phone).toBe('+33 1 23 45 67 89');
    // creating groups needs an admin (level S)
    await expect(frank.createUserGroup('mine')).rejects.toBeInstanceOf(OperationFailedError);
    expect(await groupNames()).not.toContain('mine');
  });

  test('disables and enables a user', async () => {
    await admin.disableUser('gina');
    expect((await userRow('gina')).is_active).toBe(false);
    expect((await admin.getUserData('gina')).enabled).toBe(false);
    const gina = clientAs('gina', 'Gina-pw-123');
    await expect(gina.getUserData('gina')).rejects.toBeInstanceOf(ClientError); // 997 Unauthorised, HTTP 401

    await admin.enableUser('gina');
    expect((await userRow('gina')).is_active).toBe(true);
    expect((await admin.getUserData('gina')).enabled).toBe(true);
    // gina can log in again (a plain user reading themselves sees no `enabled`, §5.1)
    expect((await gina.getUserData('gina')).email).toBe('gina@example.com');
    await expect(admin.disableUser('nobody')).rejects.toBeInstanceOf(UserNotFoundError);
  });

  test('the admin group is the app-admin role', async () => {
    const gina = await admin.getUser('gina');
    expect(await gina?.isSuperAdmin()).toBe(false);
    await gina?.promoteToSuperAdmin();
    expect(await gina?.isSuperAdmin()).toBe(true);
    expect((await userRow('gina')).role).toBe('app-admin');
    expect(await groupsOf('gina')).toEqual(['admin', 'extra', 'team']);
    await gina?.demoteFromSuperAdmin();
    expect((await userRow('gina')).role).toBe('app-user');
    expect(await groupsOf('gina')).toEqual(['extra', 'team']);
  });

  test('removes memberships and subadmin rights', async () => {
    await admin.removeUserFromMemberUserGroup('frank', 'other');
    expect(await groupsOf('frank')).toEqual(['team']);
    await expect(admin.removeUserFromMemberUserGroup('frank', 'nogroup')).rejects.toBeInstanceOf(UserGroupDoesNotExistError);

    await admin.demoteUserFromSubadminUserGroup('frank', 'team');
    expect(await subadminGroupsOf('frank')).toEqual([]);
    expect(await admin.getUserGroupSubadmins('team')).toEqual([]);
    // frank is a plain user again: GET /users answers statuscode 403 (v1 HTTP 200), which this
    // client does not check; it shows up as an empty list
    await expect(clientAs('frank', 'Frank-new-pw-2').getUsers()).resolves.toEqual([]);
  });

  test('welcome email without mail configured is reported as a failure', async () => {
    await expect(admin.resendWelcomeEmail('frank')).rejects.toBeInstanceOf(UserResendWelcomeEmailError);
  });

  test('deletes users and groups; nothing is left over', async () => {
    const ids = (await t.knex('users').whereIn('username', ['frank', 'gina']).select('id')).map((r: { id: number }) => r.id);
    await admin.deleteUser('frank');
    await admin.deleteUser('gina');
    await expect(admin.deleteUser('frank')).rejects.toBeInstanceOf(UserNotFoundError);
    await admin.deleteUserGroup('team');
    await admin.deleteUserGroup('other');
    await admin.deleteUserGroup('extra');
    await expect(admin.deleteUserGroup('nogroup')).rejects.toBeInstanceOf(UserGroupDoesNotExistError);
    await expect(admin.deleteUserGroup('admin')).rejects.toBeInstanceOf(UserGroupDeletionFailedError);

    expect((await admin.getUsers()).map((u) => u.id)).toEqual(['admin']);
    expect(await admin.getUserGroupIds()).toEqual(['admin']);
    expect(await t.knex('users').whereIn('username', ['frank', 'gina']).select('id')).toEqual([]);
    expect(await groupNames()).toEqual(['admin']);
    expect(await t.knex('group_has_users').whereIn('user_id', ids).select('user_id')).toEqual([]);
    expect(await t.knex('group_subadmins').select('user_id')).toEqual([]);
    expect(await groupsOf(ADMIN.username)).toEqual(['admin']);
  });
});
