/**
 * `import --from-kanboard` unhappy paths and conflict rules: arguments naming no database (exit 2),
 * sources that cannot be read or are not Kanboard (exit 1, the missing table named), rows breaking
 * Roster's rules (exit 1, every problem listed with table and Kanboard id, nothing written), the
 * admin group, letter-case twins, project matching and merging into existing Roster data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import initSqlJs from 'sql.js';
import { ADMIN, startTestApp, type TestApp } from '../../helpers/app';
import { importFromKanboard, type KanboardImportOptions, type ProgressOutput } from '../../../src/import/kanboard';
import {
  PHP_ADMIN_HASH,
  SQLITE_SCHEMA,
  createKanboardPostgres,
  createKanboardSqlite,
  kanboardPostgresServer,
  phpHash,
  removeSqlite,
  standardDataset,
  type KanboardDataset,
} from './fixtures';

let t: TestApp;
const files: string[] = [];
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
  for (const file of files) removeSqlite(file);
});

const run = (location: string, options: KanboardImportOptions = {}, app = t, output?: ProgressOutput) =>
  importFromKanboard({ config: app.config, knex: app.knex }, location, options, output);

async function sqlite(dataset: KanboardDataset, schema?: string): Promise<string> {
  const file = await createKanboardSqlite(dataset, schema);
  files.push(file);
  return file;
}

const empty = (): KanboardDataset => ({ users: [], groups: [], group_has_users: [], projects: [], project_has_users: [], project_has_groups: [] });

async function counts(app = t): Promise<Record<string, number>> {
  const n = async (table: string) => Number((await app.knex(table).count('* as n'))[0].n);
  return { users: await n('users'), groups: await n('groups'), members: await n('group_has_users'), projects: await n('projects'), grants: await n('project_has_users') + (await n('project_has_groups')) };
}

describe('arguments that name no database (exit 2)', () => {
  test('neither a URL nor an existing file', async () => {
    expect(await run('/nonexistent/kanboard/db.sqlite')).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: '/nonexistent/kanboard/db.sqlite is neither a postgres:// URL nor an existing SQLite file\n',
    });
    expect((await run('')).stderr).toBe('(empty) is neither a postgres:// URL nor an existing SQLite file\n');
  });

  test("a directory (with a hint when Kanboard's db.sqlite is in it)", async () => {
    const file = await sqlite(empty());
    const dir = path.dirname(file);
    expect(await run(dir)).toEqual({ exitCode: 2, stdout: '', stderr: `${dir} is a directory, not a SQLite file; did you mean ${file}?\n` });
  });

  test('MySQL and other URL schemes', async () => {
    expect(await run('mysql://kanboard:secret@db/kanboard')).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'MySQL/MariaDB Kanboard databases are not supported: give a postgres:// URL or a SQLite file\n',
    });
    const other = await run('redis://user:secret@db/0');
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toBe('unsupported database URL redis://user:***@db/0: use postgres://… or the path of a SQLite file\n');
    expect((await run('sqlite:///var/www/kanboard/data/db.sqlite')).exitCode).toBe(2);
  });
});

describe('sources that cannot be read or are not Kanboard (exit 1)', () => {
  test('a file that is not a SQLite database', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-kanboard-'));
    const file = path.join(dir, 'db.sqlite');
    fs.writeFileSync(file, 'this is not a database\n'.repeat(100));
    files.push(file);
    const outcome = await run(file);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.stderr).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a SQLite database \\(file is not a database\\)\n$`));
  });

  test('a SQLite database without Kanboard tables: the missing table is named', async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, password TEXT, role TEXT, is_active INTEGER, is_ldap_user INTEGER, name TEXT, email TEXT)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-kanboard-'));
    const file = path.join(dir, 'other.sqlite');
    fs.writeFileSync(file, Buffer.from(db.export()));
    files.push(file);
    expect(await run(file)).toEqual({ exitCode: 1, stdout: '', stderr: `${file} is not a Kanboard database: the table "groups" is missing\n` });

    const blank = path.join(dir, 'blank.sqlite');
    fs.writeFileSync(blank, Buffer.from(new SQL.Database().export()));
    expect((await run(blank)).stderr).toBe(`${blank} is not a Kanboard database: the table "users" is missing\n`);
  });

  test('a Kanboard too old to have users.role', async () => {
    const schema = SQLITE_SCHEMA.replace("role TEXT NOT NULL DEFAULT 'app-user',", '');
    const file = await sqlite(empty(), schema);
    const outcome = await run(file);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.stderr).toBe(
      `${file}: the Kanboard table "users" has no column "role"; upgrade Kanboard (at least 1.0.x) and open it once so it migrates its database, then import again\n`,
    );
  });

  test('an unreachable Postgres server: a clear message without the password', async () => {
    const outcome = await run('postgres://kanboard:s3cret@127.0.0.1:1/kanboard');
    expect(outcome.exitCode).toBe(1);
    expect(outcome.stderr).toBe('cannot connect to the Kanboard database postgres://kanboard:***@127.0.0.1:1/kanboard: connect ECONNREFUSED 127.0.0.1:1\n');
  });

  test('a Postgres database that does not exist, and one that is not Kanboard', async () => {
    const server = await kanboardPostgresServer();
    if (!server) return;
    const missing = new URL(server);
    missing.pathname = '/no_such_kanboard_db';
    const outcome = await run(missing.toString());
    expect(outcome.exitCode).toBe(1);
    expect(outcome.stderr).toMatch(/^cannot connect to the Kanboard database postgres:\/\/.*\/no_such_kanboard_db: database "no_such_kanboard_db" does not exist\n$/);

    const notKanboard = await createKanboardPostgres(server, empty(), 'CREATE TABLE users (id serial PRIMARY KEY, username text, password text, role text, is_active boolean, is_ldap_user boolean, name text, email text); CREATE TABLE groups (id serial PRIMARY KEY, name text)');
    try {
      const result = await run(notKanboard.url);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/is not a Kanboard database: the table "group_has_users" is missing\n$/);
    } finally {
      await notKanboard.drop();
    }
  });
});

describe("rows that break Roster's rules: every problem is listed, nothing is written (exit 1)", () => {
  function badDataset(): KanboardDataset {
    const data = standardDataset();
    data.users.push(
      { id: 10, username: 'Bob', password: phpHash('x-password'), role: 'app-user', name: 'Other Bob', email: 'not-an-email' },
      { id: 11, username: ' spaced', password: null, role: 'app-user' },
      { id: 12, username: 'weird', password: null, role: 'app-superuser' },
    );
    data.groups.push({ id: 9, name: 'g'.repeat(192), external_id: '' });
    data.projects.push(
      { id: 20, name: 'Bad identifier', identifier: 'my-proj', token: '' },
      { id: 21, name: 'Twin identifier', identifier: 'web', token: '' },
    );
    data.project_has_users.push({ project_id: 2, user_id: 2, role: 'r'.repeat(192) });
    return data;
  }

  const EXPECTED_ERRORS = [
    'error: users #10 (Bob): email "not-an-email" is not a valid address (Roster\'s R-email rule)',
    'error: users #11 ( spaced): username has leading or trailing whitespace',
    'error: users #12 (weird): role "app-superuser" is not app-admin, app-manager or app-user',
    `error: groups #9 (${'g'.repeat(192)}): name is longer than 191 characters (Roster's group name limit)`,
    'error: projects #20 (Bad identifier): identifier "my-proj" is not 1–50 ASCII letters or digits',
    'error: projects #21 (Twin identifier): identifier WEB is also used by project #1; Roster project identifiers are unique',
    'error: project_has_users (project 2, user 2): role is longer than 191 characters',
  ];

  test.each(['sqlite', 'postgres'] as const)('from %s', async (kind) => {
    let location: string;
    let drop = async () => {};
    if (kind === 'sqlite') location = await sqlite(badDataset());
    else {
      const server = await kanboardPostgresServer();
      if (!server) return;
      const source = await createKanboardPostgres(server, badDataset());
      location = source.url;
      drop = source.drop;
    }
    try {
      const before = await counts();
      const outcome = await run(location);
      expect(outcome.exitCode).toBe(1);
      expect(outcome.stdout).toBe('');
      const lines = outcome.stderr.trimEnd().split('\n');
      for (const line of EXPECTED_ERRORS) expect(lines).toContain(line);
      // Bob is refused as such (invalid email); a valid letter-case twin is refused in the next test
      expect(lines.at(-1)).toMatch(/^Nothing was imported: 7 errors in .* \(listed above\)\. Fix them in Kanboard or in Roster, then import again\.$/);
      expect(lines).toContain('warning: projects #5 (Orphan owner): owner_id 99 is not a Kanboard user (removed?): imported without an owner');
      expect(await counts()).toEqual(before);
      // a dry run reports the same
      expect((await run(location, { dryRun: true })).exitCode).toBe(1);
    } finally {
      await drop();
    }
  });

  test("usernames differing only in letter case, within Kanboard and against Roster's users", async () => {
    const data = empty();
    data.users.push(
      { id: 1, username: 'Admin', password: PHP_ADMIN_HASH, role: 'app-admin' },
      { id: 2, username: 'carol', password: null, role: 'app-user' },
      { id: 3, username: 'CAROL', password: null, role: 'app-user' },
      { id: 4, username: 'Carol', password: null, role: 'app-user' },
    );
    const file = await sqlite(data);
    const before = await counts();
    const outcome = await run(file);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.stderr).toBe(
      [
        "error: users #3 (CAROL): username differs only in letter case from #2 (carol); Roster's OCS API treats user ids ignoring case — rename one of them in Kanboard first",
        "error: users #4 (Carol): username differs only in letter case from #2 (carol); Roster's OCS API treats user ids ignoring case — rename one of them in Kanboard first",
        `error: users #1 (Admin): username differs only in letter case from the Roster user "admin" (id 1); Roster's OCS API treats user ids ignoring case — rename one of them first`,
        `Nothing was imported: 3 errors in ${file} (listed above). Fix them in Kanboard or in Roster, then import again.`,
        '',
      ].join('\n'),
    );
    expect(await counts()).toEqual(before);
  });
});

describe('conflict rules and merging', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp();
  });
  afterEach(() => app.close());

  test("Kanboard's group admin is Roster's admin group: app-admins belong to it by role, other members are not promoted", async () => {
    const data = empty();
    data.users.push(
      { id: 1, username: 'admin', password: PHP_ADMIN_HASH, role: 'app-admin' },
      { id: 2, username: 'root', password: phpHash('root-password'), role: 'app-admin' },
      { id: 3, username: 'alice', password: phpHash('alice-password'), role: 'app-manager' },
    );
    data.groups.push({ id: 1, name: 'admin', external_id: '' }, { id: 2, name: 'staff', external_id: '' });
    data.group_has_users.push({ group_id: 1, user_id: 1 }, { group_id: 1, user_id: 3 }, { group_id: 2, user_id: 3 });
    data.projects.push({ id: 1, name: 'Ops', identifier: 'OPS', token: '' });
    data.project_has_groups.push({ group_id: 1, project_id: 1, role: 'project-manager' });
    const file = await sqlite(data);

    const outcome = await run(file, {}, app);
    expect(outcome.exitCode).toBe(0);
    expect(outcome.stderr).toBe(
      'warning: group_has_users (group 1, user 3): not copied: in Roster, membership of the group "admin" is the app-admin role, and alice is app-manager\n',
    );
    expect(outcome.stdout.split('\n').find((l) => l.startsWith('group members'))).toMatch(/^group members\s+1\s+0\s+1\s+0\s+1$/);
    const adminGroup = await app.knex('groups').where({ name: 'admin' }).first('id');
    const members = await app.knex('group_has_users').join('users', 'users.id', 'group_has_users.user_id').where({ group_id: adminGroup.id }).orderBy('username').pluck('username');
    expect(members).toEqual(['admin', 'root']);
    expect((await app.knex('users').where({ username: 'alice' }).first('role')).role).toBe('app-manager');
    const ops = await app.knex('projects').where({ identifier: 'OPS' }).first('id');
    expect(await app.knex('project_has_groups').where({ project_id: ops.id }).select('group_id', 'role')).toEqual([{ group_id: adminGroup.id, role: 'project-manager' }]);
    // root logs in with the Kanboard password and is an admin
    const me = await app.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['root', 'root-password']);
    expect(me.body.result).toMatchObject({ username: 'root', role: 'app-admin' });
  });

  test('--update never demotes or disables the Roster admin (ADMIN_USERNAME)', async () => {
    const data = empty();
    data.users.push({ id: 1, username: ADMIN.username, password: PHP_ADMIN_HASH, role: 'app-user', is_active: false, name: 'Kanboard Admin' });
    const file = await sqlite(data);
    const outcome = await run(file, { update: true }, app);
    expect(outcome.exitCode).toBe(0);
    expect(outcome.stderr).toBe(
      "warning: users #1 (admin): is Roster's admin (ADMIN_USERNAME): it keeps its role app-admin and stays active (Kanboard: app-user, inactive)\n",
    );
    expect(await app.knex('users').where({ username: ADMIN.username }).first('role', 'is_active', 'name', 'password')).toEqual({
      role: 'app-admin',
      is_active: true,
      name: 'Kanboard Admin',
      password: PHP_ADMIN_HASH,
    });
    expect((await run(file, { update: true }, app)).stdout).toContain('Nothing to change');
  });

  test('existing groups and projects are matched (projects by identifier, else by name among those without, same-named ones pairing in id order), kept, or updated with --update', async () => {
    // Roster already has "Roadmap" (no identifier) and a project with identifier WEB under another name
    const roadmap = (await app.knex('projects').insert({ name: 'Roadmap', description: 'Roster side' }).returning('id'))[0].id as number;
    const web = (await app.knex('projects').insert({ name: 'Site (Roster)', identifier: 'WEB' }).returning('id'))[0].id as number;
    await app.createUser('bob', 'bob-password');
    await app.knex('groups').insert({ name: 'Developers', external_id: 'roster-side' });
    const data = empty();
    data.users.push({ id: 3, username: 'bob', password: phpHash('kanboard-bob'), role: 'app-user' });
    data.groups.push({ id: 4, name: 'Developers', external_id: 'cn=developers' });
    data.group_has_users.push({ group_id: 4, user_id: 3 });
    data.projects.push(
      { id: 1, name: 'Roadmap', identifier: '', description: 'Kanboard side', token: '' },
      { id: 2, name: 'Website', identifier: 'WEB', token: '' },
      { id: 3, name: 'Same', identifier: '', token: '' },
      { id: 4, name: 'Same', identifier: '', token: '' },
    );
    data.project_has_users.push({ project_id: 1, user_id: 3, role: 'project-member' }, { project_id: 4, user_id: 3, role: 'project-viewer' });
    const file = await sqlite(data);

    const first = await run(file, {}, app);
    expect(first.exitCode).toBe(0);
    // bob and both matched projects differ from Kanboard: kept; the two "Same" are created
    expect(first.stdout).toMatch(/\nusers\s+0\s+0\s+0\s+1\s+0\n/);
    expect(first.stdout).toMatch(/\nprojects\s+2\s+0\s+0\s+2\s+0\n/);
    expect(first.stdout).toMatch(/\ngroups\s+0\s+0\s+0\s+1\s+0\n/);
    expect(first.stdout).toMatch(/\ngroup members\s+1\s+0\s+0\s+0\s+0\n/);
    expect(await app.knex('projects').where({ id: roadmap }).first('description')).toEqual({ description: 'Roster side' });
    // bob keeps his Roster password (kept), and gets Kanboard's grant on the matched project
    const bob = (await app.knex('users').where({ username: 'bob' }).first('id')).id as number;
    expect(await app.knex('project_has_users').where({ user_id: bob }).orderBy('project_id').select('project_id', 'role')).toEqual([
      { project_id: roadmap, role: 'project-member' },
      { project_id: Math.max(roadmap, web) + 2, role: 'project-viewer' },
    ]);
    expect((await app.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['bob', 'bob-password'])).status).toBe(200);

    const second = await run(file, {}, app);
    expect(second.stdout).toMatch(/\nprojects\s+0\s+0\s+2\s+2\s+0\n/);
    expect(Number((await app.knex('projects').count('* as n'))[0].n)).toBe(4);

    const updated = await run(file, { update: true }, app);
    expect(updated.stdout).toMatch(/\nprojects\s+0\s+2\s+2\s+0\s+0\n/);
    expect(await app.knex('projects').where({ id: web }).first('name')).toEqual({ name: 'Website' });
    expect(updated.stdout).toMatch(/\ngroups\s+0\s+1\s+0\s+0\s+0\n/);
    expect(await app.knex('groups').where({ name: 'Developers' }).first('external_id')).toEqual({ external_id: 'cn=developers' });
    expect((await app.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['bob', 'kanboard-bob'])).status).toBe(200);
  });

  test('a project email used by another Roster project is refused', async () => {
    await app.knex('projects').insert({ name: 'Mailbox', email: 'team@example.com' });
    const data = empty();
    data.projects.push({ id: 7, name: 'Team', identifier: 'TEAM', email: 'team@example.com', token: '' });
    const outcome = await run(await sqlite(data), {}, app);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.stderr).toMatch(/^error: projects #7 \(Team\): email team@example\.com is already used by the Roster project "Mailbox" \(id \d+\); project emails are unique\n/);
  });

  test('rows pointing at missing Kanboard rows are left out, a non-bcrypt hash is copied, an empty role becomes app-user: each with a warning', async () => {
    const data = empty();
    data.users.push({ id: 1, username: 'eve', password: '5f4dcc3b5aa765d61d8327deb882cf99', role: 'app-user' }, { id: 2, username: 'frank', password: null, role: '' });
    data.groups.push({ id: 1, name: 'team', external_id: '' });
    data.group_has_users.push({ group_id: 1, user_id: 1 }, { group_id: 1, user_id: 42 }, { group_id: 8, user_id: 1 });
    const outcome = await run(await sqlite(data), {}, app);
    expect(outcome.exitCode).toBe(0);
    expect(outcome.stderr).toBe(
      [
        'warning: users #1 (eve): the password is not a bcrypt hash: copied as it is, but Roster cannot verify it (the user needs a token or app password)',
        'warning: users #2 (frank): has no role in Kanboard (role ""): imported as app-user',
        'warning: group_has_users (group 1, user 42): user 42 does not exist in Kanboard: left out',
        'warning: group_has_users (group 8, user 1): group 8 does not exist in Kanboard: left out',
        '',
      ].join('\n'),
    );
    expect(outcome.stdout).toMatch(/\ngroup members\s+1\s+0\s+0\s+0\s+0\n/);
    expect(await app.knex('users').where({ username: 'frank' }).first('role', 'password')).toEqual({ role: 'app-user', password: null });
  });

  test("a SQLite write-ahead log that Kanboard has not merged yet is reported", async () => {
    const file = await sqlite(standardDataset());
    fs.writeFileSync(`${file}-wal`, 'pending pages');
    const outcome = await run(file, { dryRun: true }, app);
    expect(outcome.exitCode).toBe(0);
    expect(outcome.stderr.split('\n')[0]).toBe(
      `warning: ${file}-wal exists: changes still in SQLite's write-ahead log are not read; stop Kanboard (or checkpoint the database) for a complete copy`,
    );
  });

  test('a progress bar is drawn on a terminal, and only there', async () => {
    let drawn = '';
    const terminal = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          drawn += String(chunk);
          done();
        },
      }),
      { isTTY: true, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true },
    );
    const file = await sqlite(standardDataset());
    expect((await run(file, {}, app, terminal)).exitCode).toBe(0);
    expect(drawn).toContain('importing');
    drawn = '';
    const pipe = Object.assign(new Writable({ write: (chunk, _e, done) => ((drawn += String(chunk)), done()) }), { isTTY: false });
    expect((await run(file, {}, app, pipe)).exitCode).toBe(0);
    expect(drawn).toBe('');
  });
});
