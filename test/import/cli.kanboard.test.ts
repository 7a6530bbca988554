/**
 * `roster import --from-kanboard` as a process (the compiled CLI): usage errors, a Kanboard SQLite
 * file copied into the target database with the password hashes kept, and an idempotent re-run.
 * The mapping itself and the logins over HTTP are tested in-process in test/import/kanboard/.
 */
import { createCliTarget, type CliTarget } from './cliTarget';
import { createKanboardSqlite, removeSqlite, standardDataset, PHP_ADMIN_HASH } from './kanboard/fixtures';

let target: CliTarget;
let sqlite: string;
beforeAll(async () => {
  [target, sqlite] = await Promise.all([createCliTarget(), createKanboardSqlite(standardDataset())]);
});
afterAll(async () => {
  await target?.close();
  if (sqlite) removeSqlite(sqlite);
});

test('usage: a file and --from-kanboard together, or --from-kanboard with file options, exit 2', async () => {
  const both = await target.roster(['import', 'users.csv', '--from-kanboard', sqlite]);
  expect(both).toEqual({ code: 2, stdout: '', stderr: 'error: give either a file or --from-kanboard, not both\n' });
  const format = await target.roster(['import', '--from-kanboard', sqlite, '--format', 'csv']);
  expect(format.code).toBe(2);
  expect(format.stderr).toBe('error: --format and --batch-size apply to files; a Kanboard database is copied in one transaction\n');
  const neither = await target.roster(['import']);
  expect(neither).toEqual({ code: 2, stdout: '', stderr: "error: missing required argument 'file' (or give --from-kanboard <database>)\n" });
  const help = await target.roster(['import', '--help']);
  expect(help.stdout).toContain('--from-kanboard <database>');
}, 60000);

test('a Kanboard SQLite file: dry run writes nothing, the import keeps the hashes, a re-run changes nothing', async () => {
  const usernames = () => target.query(async (knex) => (await knex('users').orderBy('id').pluck('username')) as string[]);
  const before = await usernames();

  const dry = await target.roster(['import', '--from-kanboard', sqlite, '--dry-run']);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toContain('Dry run: nothing was written.\n');
  expect(await usernames()).toEqual(before);

  const run = await target.roster(['import', '--from-kanboard', sqlite]);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^Kanboard database: .*db\.sqlite \(SQLite\)\n/);
  expect(run.stdout).toContain('Imported.\n');
  const imported = await target.query((knex) => knex('users').whereIn('username', ['alice', 'bob', 'carol', 'ldapuser', 'dave']).orderBy('username').select('username', 'role', 'is_active', 'is_ldap_user'));
  expect(imported).toEqual([
    { username: 'alice', role: 'app-manager', is_active: true, is_ldap_user: false },
    { username: 'bob', role: 'app-user', is_active: true, is_ldap_user: false },
    { username: 'carol', role: 'app-user', is_active: false, is_ldap_user: false },
    { username: 'dave', role: 'app-user', is_active: true, is_ldap_user: false },
    { username: 'ldapuser', role: 'app-user', is_active: true, is_ldap_user: true },
  ]);
  const hashes = await target.query((knex) => knex('users').whereIn('username', ['alice', 'bob']).pluck('password'));
  expect(hashes.every((h: string) => h.startsWith('$2y$'))).toBe(true);
  // Imported before Roster's first start: Kanboard's admin is the admin, with its PHP-written hash.
  expect(await target.query((knex) => knex('users').where({ username: 'admin' }).first('password', 'role'))).toEqual({ password: PHP_ADMIN_HASH, role: 'app-admin' });
  expect(await target.query((knex) => knex('projects').orderBy('name').pluck('name'))).toEqual(['Alice private', 'Internal', 'Orphan owner', 'Website']);

  const again = await target.roster(['import', '--from-kanboard', sqlite]);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('Nothing to change: Roster already holds this Kanboard data.\n');
}, 120000);

test('a path that names no database exits 2 with the reason', async () => {
  const missing = await target.roster(['import', '--from-kanboard', 'no-such-kanboard.sqlite']);
  expect(missing.code).toBe(2);
  expect(missing.stdout).toBe('');
  expect(missing.stderr).toContain('no-such-kanboard.sqlite');
}, 60000);
