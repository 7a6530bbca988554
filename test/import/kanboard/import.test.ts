/**
 * `import --from-kanboard` (issue #6) from a Kanboard SQLite file and from a Kanboard Postgres
 * database: users keep their PHP `$2y$` bcrypt hashes and log in to Roster with their old passwords
 * (JSON-RPC and OCS), groups, members, projects and grants match the source, re-running changes
 * nothing, `--update` takes Kanboard's values, `--dry-run` writes nothing.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { ADMIN, startTestApp, type TestApp } from '../../helpers/app';
import { importFromKanboard, type KanboardImportOptions } from '../../../src/import/kanboard';
import {
  ALICE_TOKEN,
  PASSWORDS,
  PHP_ADMIN_HASH,
  PHP_ADMIN_PASSWORD,
  createKanboardPostgres,
  createKanboardSqlite,
  kanboardPostgresServer,
  removeSqlite,
  standardDataset,
  type KanboardDataset,
} from './fixtures';

const ROLE_RANK: Record<string, number> = { 'project-manager': 3, 'project-member': 1, 'project-viewer': 0 };

/** Kanboard's effective project role of a user (§5.3): the direct grant, else the highest group grant. */
function expectedRole(data: KanboardDataset, projectId: number, userId: number): string {
  const direct = data.project_has_users.find((g) => g.project_id === projectId && g.user_id === userId);
  if (direct) return direct.role as string;
  const groupIds = data.group_has_users.filter((m) => m.user_id === userId).map((m) => m.group_id);
  const roles = data.project_has_groups.filter((g) => g.project_id === projectId && groupIds.includes(g.group_id)).map((g) => g.role as string);
  return roles.sort((a, b) => ROLE_RANK[b] - ROLE_RANK[a])[0] ?? '';
}

function summaryLine(stdout: string, label: string): number[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${label} `));
  if (!line) throw new Error(`no "${label}" line in:\n${stdout}`);
  return line.slice(label.length).trim().split(/\s+/).map(Number);
}

describe.each(['sqlite', 'postgres'] as const)('import --from-kanboard from %s', (kind) => {
  const data = standardDataset();
  let location = '';
  let cleanup: () => Promise<void> = async () => {};
  let t: TestApp;

  beforeAll(async () => {
    if (kind === 'postgres') {
      const server = await kanboardPostgresServer();
      if (!server) return;
      const source = await createKanboardPostgres(server, data);
      location = source.url;
      cleanup = source.drop;
    } else {
      location = await createKanboardSqlite(data);
      const file = location;
      cleanup = async () => removeSqlite(file);
    }
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
    await cleanup();
  });

  /** Jest cannot skip from beforeAll: without a Postgres server the Postgres cases pass vacuously. */
  const available = () => location !== '';
  const run = (options: KanboardImportOptions = {}) => importFromKanboard({ config: t.config, knex: t.knex }, location, options);
  const rosterId = async (username: string) => (await t.knex('users').where({ username }).first('id'))?.id as number;
  const rpc = (method: string, params: unknown, auth: 'app' | readonly [string, string] = 'app') =>
    t.call('/jsonrpc.php', { jsonrpc: '2.0', method, params, id: 1 }, auth);
  const result = async (method: string, params: unknown = []) => (await rpc(method, params)).body.result;
  const ocsMe = (username: string, password: string) =>
    request(t.app).get('/ocs/v2.php/cloud/user?format=json').auth(username, password).set('OCS-APIRequest', 'true');

  async function snapshot(): Promise<unknown> {
    const rows = async (table: string, order: string[]) => t.knex(table).select('*').orderBy(order);
    return {
      users: await rows('users', ['id']),
      groups: await rows('groups', ['id']),
      members: await rows('group_has_users', ['group_id', 'user_id']),
      projects: await rows('projects', ['id']),
      projectUsers: await rows('project_has_users', ['project_id', 'user_id']),
      projectGroups: await rows('project_has_groups', ['group_id', 'project_id']),
    };
  }

  test('--dry-run checks and counts everything and writes nothing', async () => {
    if (!available()) return;
    const before = await snapshot();
    const outcome = await run({ dryRun: true });
    expect(outcome.exitCode).toBe(0);
    expect(outcome.stdout).toContain('— dry run');
    expect(outcome.stdout).toContain('Dry run: nothing was written.');
    // created, updated, unchanged, kept, skipped — the Roster admin differs from Kanboard's (password) and is kept
    expect(summaryLine(outcome.stdout, 'users')).toEqual([5, 0, 0, 1, 0]);
    expect(summaryLine(outcome.stdout, 'projects')).toEqual([4, 0, 0, 0, 0]);
    expect(await snapshot()).toEqual(before);
  });

  test('imports users, groups, members, projects and grants; reports what it left out', async () => {
    if (!available()) return;
    const outcome = await run();
    expect(outcome.exitCode).toBe(0);
    expect(outcome.stdout).toContain(kind === 'sqlite' ? '(SQLite)' : '(Postgres)');
    expect(summaryLine(outcome.stdout, 'users')).toEqual([5, 0, 0, 1, 0]);
    expect(summaryLine(outcome.stdout, 'groups')).toEqual([2, 0, 0, 0, 0]);
    expect(summaryLine(outcome.stdout, 'group members')).toEqual([4, 0, 0, 0, 0]);
    expect(summaryLine(outcome.stdout, 'projects')).toEqual([4, 0, 0, 0, 0]);
    expect(summaryLine(outcome.stdout, 'project users')).toEqual([5, 0, 0, 0, 0]);
    expect(summaryLine(outcome.stdout, 'project groups')).toEqual([2, 0, 0, 0, 0]);
    expect(outcome.stdout).toContain("1 existing row differs from Kanboard and was kept as it is; --update takes Kanboard's values.");
    expect(outcome.stdout).toContain("note: 1 LDAP user has no local password: they sign in through Roster's LDAP settings (LDAP_URL …) or with a personal token or app password\n");
    expect(outcome.stdout).toContain('note: 1 user has two-factor authentication on: Roster refuses their password; they sign in with a personal token or app password\n');
    expect(outcome.stdout).toMatch(/Imported\.\n$/);
    expect(outcome.stderr).toBe('warning: projects #5 (Orphan owner): owner_id 99 is not a Kanboard user (removed?): imported without an owner\n');
  });

  test('imported users log in with their Kanboard passwords over JSON-RPC and OCS; wrong passwords are refused', async () => {
    if (!available()) return;
    for (const username of ['alice', 'bob']) {
      const ok = await rpc('getMe', [], [username, PASSWORDS[username]]);
      expect(ok.status).toBe(200);
      expect(ok.body.result).toMatchObject({ id: await rosterId(username), username });
      expect((await rpc('getMe', [], [username, `${PASSWORDS[username]}x`])).status).toBe(401);

      const ocs = await ocsMe(username, PASSWORDS[username]);
      expect(ocs.status).toBe(200);
      expect(ocs.body.ocs.data.id).toBe(username);
      expect((await ocsMe(username, 'wrong-password')).status).toBe(401);
    }
    // the stored hash is Kanboard's, byte for byte (PHP's $2y$ prefix included)
    const alice = await t.knex('users').where({ username: 'alice' }).first('password', 'api_access_token');
    expect(alice.password).toBe(data.users[1].password);
    expect(alice.password).toMatch(/^\$2y\$/);
    // Kanboard's personal API token keeps working (Roster stores its SHA-256)
    expect(alice.api_access_token).toBe(createHash('sha256').update(ALICE_TOKEN).digest('hex'));
    expect((await rpc('getMe', [], ['alice', ALICE_TOKEN])).body.result.username).toBe('alice');
    // inactive in Kanboard → inactive in Roster; 2FA users have no password login (§4.3); LDAP users have no local password
    expect((await rpc('getMe', [], ['carol', PASSWORDS.carol])).status).toBe(401);
    expect((await rpc('getMe', [], ['dave', PASSWORDS.dave])).status).toBe(401);
    expect((await rpc('getMe', [], ['ldapuser', 'anything'])).status).toBe(401);
  });

  test("the Roster admin was kept: it logs in with Roster's password, not Kanboard's", async () => {
    if (!available()) return;
    expect((await rpc('getMe', [], [ADMIN.username, ADMIN.password])).status).toBe(200);
    expect((await rpc('getMe', [], [ADMIN.username, PHP_ADMIN_PASSWORD])).status).toBe(401);
  });

  test("user objects carry Kanboard's columns", async () => {
    if (!available()) return;
    expect(await result('getUserByName', ['alice'])).toMatchObject({
      username: 'alice',
      name: 'Alice Liddell',
      email: 'alice@example.com',
      role: 'app-manager',
      timezone: 'Europe/Berlin',
      language: 'de_DE',
      notifications_enabled: true,
      github_id: 'alice-gh',
      filter: 'status:open',
      theme: 'dark',
      is_active: true,
      is_ldap_user: false,
      nb_failed_login: 0,
    });
    expect(await result('getUserByName', ['bob'])).toMatchObject({ name: 'Bob', email: '', role: 'app-user', theme: 'light', notifications_filter: 4 });
    expect(await result('getUserByName', ['carol'])).toMatchObject({ is_active: false });
    expect(await result('getUserByName', ['ldapuser'])).toMatchObject({ is_ldap_user: true, email: 'ldap@example.com' });
    expect(await result('getUserByName', ['dave'])).toMatchObject({ twofactor_activated: true });
    expect((await t.knex('users').where({ username: 'dave' }).first('twofactor_secret')).twofactor_secret).toBe('ABCDEFGHIJKLMNOP');
    expect((await t.knex('users').where({ username: 'ldapuser' }).first('password')).password).toBeNull();
  });

  test('groups and their members match Kanboard', async () => {
    if (!available()) return;
    const groups = (await result('getAllGroups')) as { id: number; name: string; external_id: string }[];
    for (const group of data.groups) {
      const roster = groups.find((g) => g.name === group.name);
      expect(roster).toMatchObject({ external_id: group.external_id });
      const members = ((await result('getGroupMembers', [roster!.id])) as { username: string }[]).map((m) => m.username).sort();
      const expected = data.group_has_users
        .filter((m) => m.group_id === group.id)
        .map((m) => data.users.find((u) => u.id === m.user_id)!.username as string)
        .sort();
      expect(members).toEqual(expected);
    }
  });

  test('projects, owners and permissions match Kanboard (getProjectUsers, getProjectUserRole)', async () => {
    if (!available()) return;
    const website = await result('getProjectByIdentifier', ['WEB']);
    expect(website).toMatchObject({
      name: 'Website',
      description: 'The public site',
      is_public: true,
      token: data.projects[0].token,
      email: 'web@example.com',
      start_date: '2024-01-01',
      end_date: '2024-12-31',
      last_modified: 1700000000,
      priority_end: 5,
      owner_id: await rosterId('alice'),
    });
    expect(website.url.public_board).toContain(data.projects[0].token as string);
    expect(await result('getProjectByName', ['Internal'])).toMatchObject({ is_active: false, identifier: '', owner_id: 0, description: null });
    expect(await result('getProjectByName', ['Alice private'])).toMatchObject({ is_private: true, owner_id: await rosterId('alice') });
    expect(await result('getProjectByIdentifier', ['ORPHAN'])).toMatchObject({ name: 'Orphan owner', owner_id: 0 });

    const usernames = new Map<number, string>(data.users.map((u) => [u.id as number, u.username as string]));
    for (const project of data.projects) {
      const roster = project.identifier ? await result('getProjectByIdentifier', [project.identifier]) : await result('getProjectByName', [project.name]);
      const granted = (await result('getProjectUsers', [roster.id])) as Record<string, string>;
      const names = await Promise.all(Object.keys(granted).map(async (id) => (await result('getUser', [Number(id)])).username as string));
      const expected = data.users.map((u) => u.id as number).filter((id) => expectedRole(data, project.id as number, id) !== '');
      expect(names.sort()).toEqual(expected.map((id) => usernames.get(id)!).sort());
      for (const user of data.users) {
        const role = await result('getProjectUserRole', [roster.id, await rosterId(user.username as string)]);
        expect([project.name, user.username, role]).toEqual([project.name, user.username, expectedRole(data, project.id as number, user.id as number)]);
      }
    }
    // the custom role is kept as a string; group grants are rows of project_has_groups
    const internal = await result('getProjectByName', ['Internal']);
    expect(await result('getProjectUserRole', [internal.id, await rosterId('bob')])).toBe('Reviewer');
    const developers = ((await result('getAllGroups')) as { id: number; name: string }[]).find((g) => g.name === 'Developers')!;
    expect(await t.knex('project_has_groups').where({ project_id: internal.id }).select('group_id', 'role')).toEqual([{ group_id: developers.id, role: 'project-member' }]);
  });

  test('running the import again changes nothing and says so', async () => {
    if (!available()) return;
    const before = await snapshot();
    const outcome = await run();
    expect(outcome.exitCode).toBe(0);
    expect(summaryLine(outcome.stdout, 'users')).toEqual([0, 0, 5, 1, 0]);
    expect(summaryLine(outcome.stdout, 'groups')).toEqual([0, 0, 2, 0, 0]);
    expect(summaryLine(outcome.stdout, 'group members')).toEqual([0, 0, 4, 0, 0]);
    expect(summaryLine(outcome.stdout, 'projects')).toEqual([0, 0, 4, 0, 0]);
    expect(summaryLine(outcome.stdout, 'project users')).toEqual([0, 0, 5, 0, 0]);
    expect(summaryLine(outcome.stdout, 'project groups')).toEqual([0, 0, 2, 0, 0]);
    expect(outcome.stdout).toContain('Nothing to change: Roster already holds this Kanboard data.');
    expect(await snapshot()).toEqual(before);
  });

  test('rows changed in Roster are kept without --update and take Kanboard’s values with it; Roster-only rows stay', async () => {
    if (!available()) return;
    const bob = await rosterId('bob');
    const website = (await result('getProjectByIdentifier', ['WEB'])).id as number;
    expect(await result('updateUser', { id: bob, name: 'Robert' })).toBe(true);
    expect(await result('changeProjectUserRole', [website, bob, 'project-viewer'])).toBe(true);
    const zed = await t.createUser('zed', 'zed-password');

    const kept = await run();
    expect(kept.exitCode).toBe(0);
    expect(summaryLine(kept.stdout, 'users')).toEqual([0, 0, 4, 2, 0]);
    expect(summaryLine(kept.stdout, 'project users')).toEqual([0, 0, 4, 1, 0]);
    expect((await result('getUser', [bob])).name).toBe('Robert');

    const updated = await run({ update: true });
    expect(updated.exitCode).toBe(0);
    // bob's name and the Roster admin's password, name… (the admin keeps its role and stays active)
    expect(summaryLine(updated.stdout, 'users')).toEqual([0, 2, 4, 0, 0]);
    expect(summaryLine(updated.stdout, 'project users')).toEqual([0, 1, 4, 0, 0]);
    expect((await result('getUser', [bob])).name).toBe('Bob');
    expect(await result('getProjectUserRole', [website, bob])).toBe('project-member');
    expect((await result('getUser', [zed])).username).toBe('zed');

    // the Roster admin now has Kanboard's (PHP-written) hash and logs in with Kanboard's password
    expect((await t.knex('users').where({ username: ADMIN.username }).first('password')).password).toBe(PHP_ADMIN_HASH);
    expect((await rpc('getMe', [], [ADMIN.username, PHP_ADMIN_PASSWORD])).status).toBe(200);
    expect((await rpc('getMe', [], [ADMIN.username, ADMIN.password])).status).toBe(401);
    expect(await result('getUserByName', [ADMIN.username])).toMatchObject({ role: 'app-admin', is_active: true });

    const again = await run({ update: true });
    expect(again.stdout).toContain('Nothing to change');
  });
});
