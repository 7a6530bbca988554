/**
 * importUsers and exportUsers on a real database (no process): rows map to the same columns as
 * createUser, passwords log in, --update changes exactly what a row gives, a dry run writes
 * nothing, a batch the database refuses is rolled back whole, export is what import reads back.
 */
import { Readable, Writable } from 'node:stream';
import type { Knex } from 'knex';
import { createPasswordService } from '../../src/auth/passwords';
import { importUsers, type ImportOptions, type ImportResult } from '../../src/import/importUsers';
import { exportUsers } from '../../src/export/exportUsers';
import type { Progress } from '../../src/import/progress';
import { startTestApp, TEST_BCRYPT_COST, type TestApp } from '../helpers/app';

const passwords = createPasswordService({ cost: TEST_BCRYPT_COST, concurrency: 2 });
const HASH_OF_SECRET = '$2b$10$cylfP80rjr0LqWpnZd2Ls.6nfNvuYrRipQBy0f5GTUtd3sRWj7DLu'; // bcrypt of nothing the tests log in with

let app: TestApp;
let knex: Knex;
beforeAll(async () => {
  app = await startTestApp();
  knex = app.knex;
});
afterAll(() => app.close());

interface Run extends ImportResult {
  report: string[];
  progress: string[];
}

async function run(text: string, options: Partial<ImportOptions> = {}): Promise<Run> {
  const report: string[] = [];
  const progressEvents: string[] = [];
  const progress: Progress = {
    start: (total) => progressEvents.push(`start ${total}`),
    advance: (rows) => progressEvents.push(`+${rows}`),
    stop: () => progressEvents.push('stop'),
  };
  const result = await importUsers(
    Readable.from([Buffer.from(text)]),
    { format: 'jsonl', update: false, dryRun: false, batchSize: 500, source: 'test.jsonl', ...options },
    { knex, passwords, progress, report: (line) => report.push(line) },
  );
  return { ...result, report, progress: progressEvents };
}

const jsonl = (...rows: object[]) => rows.map((row) => JSON.stringify(row)).join('\n');

async function userRow(username: string): Promise<Record<string, unknown>> {
  const row = await knex('users').where({ username }).first();
  const groups = await knex('group_has_users').join('groups', 'groups.id', 'group_has_users.group_id').where('group_has_users.user_id', row.id).orderByRaw('groups.name COLLATE "C"').pluck('groups.name');
  return { ...row, groups };
}

async function canLogIn(username: string, password: string): Promise<boolean> {
  const response = await app.rpc('/jsonrpc.php', 'getMe', undefined, [username, password]);
  return (response.result as { username?: string } | undefined)?.username === username;
}

test('a created user has exactly the columns createUser gives it; plain and $2y$ passwords log in', async () => {
  await app.createUser('ref', 'password1', { name: 'Ref Erence', email: 'ref@example.com', role: 'app-manager' });
  const php = (await passwords.hash('from kanboard')).replace(/^\$2b\$/, '$2y$');
  const result = await run(
    jsonl(
      { username: 'imp', password: 'password1', name: 'Ref Erence', email: 'ref@example.com', role: 'app-manager' },
      { username: 'php', password_hash: php, groups: ['admin', 'Team Blue'], quota: '2 GB', enabled: true },
      { username: 'nopass', name: null, email: null },
    ),
  );
  expect(result).toMatchObject({ rows: 3, invalid: 0, created: 3, updated: 0, unchanged: 0, failed: 0, groupsCreated: 1, report: [] });
  expect(result.progress).toEqual(['start 3', '+3', 'stop']);

  const { id: _a, username: _b, password: refHash, ...reference } = await userRow('ref');
  const { id: _c, username: _d, password: impHash, ...imported } = await userRow('imp');
  expect(imported).toEqual(reference);
  expect(impHash).not.toBe(refHash);
  expect(await canLogIn('imp', 'password1')).toBe(true);

  const phpUser = await userRow('php');
  expect(phpUser).toMatchObject({ password: php, role: 'app-admin', quota: '2147483648', is_active: true, name: '', email: '', groups: ['Team Blue', 'admin'] });
  expect(await canLogIn('php', 'from kanboard')).toBe(true);

  expect(await userRow('nopass')).toMatchObject({ password: null, name: null, email: null, role: 'app-user', quota: 'default', groups: [] });
  // one audit event per committed batch, without secrets
  const audit = await knex('audit_events').where({ action: 'cli.import' }).select('actor_username', 'details');
  expect(audit).toHaveLength(1);
  expect(audit[0].actor_username).toBe('cli');
  expect(typeof audit[0].details === 'string' ? JSON.parse(audit[0].details) : audit[0].details).toEqual({ source: 'test.jsonl', lines: [1, 3], created: 3, updated: 0, groups_created: 1 });
});

test('existing users are left alone without --update (counted unchanged); a dry run writes nothing', async () => {
  const before = await userRow('imp');
  const again = await run(jsonl({ username: 'imp', name: 'Changed' }, { username: 'fresh', groups: ['Brand New'] }), { dryRun: true });
  expect(again).toMatchObject({ created: 1, updated: 0, unchanged: 1, failed: 0, groupsCreated: 1 });
  expect(await knex('users').where({ username: 'fresh' }).first()).toBeUndefined();
  expect(await knex('groups').where({ name: 'Brand New' }).first()).toBeUndefined();
  const real = await run(jsonl({ username: 'imp', name: 'Changed' }));
  expect(real).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
  expect(await userRow('imp')).toEqual(before);
});

test('--update changes only what a row gives and differs; groups are added, never removed; a null hash removes no password', async () => {
  await run(jsonl({ username: 'upd', password: 'first-pass', name: 'U', email: 'u@example.com', groups: ['g1', 'g2'], quota: '1GB' }));
  const [projectId] = await knex('projects').insert({ name: 'private of upd', is_private: true, owner_id: (await userRow('upd')).id }).returning('id');

  const same = await run(jsonl({ username: 'upd', password: 'first-pass', name: 'U', groups: ['g2'], quota: '1024 MB', password_hash: undefined }), { update: true });
  expect(same).toMatchObject({ updated: 0, unchanged: 1 });

  const dry = await run(jsonl({ username: 'upd', name: 'New name', password: 'second-pass' }), { update: true, dryRun: true });
  expect(dry).toMatchObject({ updated: 1, unchanged: 0 });
  expect(await userRow('upd')).toMatchObject({ name: 'U' });

  const changed = await run(
    jsonl({ username: 'upd', name: 'New name', email: null, password: 'second-pass', groups: ['g3'], quota: 'none', enabled: false, role: 'app-manager' }),
    { update: true },
  );
  expect(changed).toMatchObject({ created: 0, updated: 1, unchanged: 0, groupsCreated: 1 });
  expect(await userRow('upd')).toMatchObject({ name: 'New name', email: null, groups: ['g1', 'g2', 'g3'], quota: 'none', is_active: false, role: 'app-manager' });
  expect(await canLogIn('upd', 'second-pass')).toBe(false); // disabled
  // disabling deactivates the private projects the user owns, as disableUser does
  expect((await knex('projects').where({ id: projectId.id ?? projectId }).first()).is_active).toBe(false);

  const passwordBefore = (await userRow('upd')).password;
  expect(await run(jsonl({ username: 'upd', password_hash: null, enabled: true }), { update: true })).toMatchObject({ updated: 1 });
  expect((await userRow('upd')).password).toBe(passwordBefore);
  expect(await canLogIn('upd', 'second-pass')).toBe(true);

  // listing admin promotes (admin membership is the role); a role below app-admin demotes and leaves admin
  await run(jsonl({ username: 'upd', groups: ['admin'] }), { update: true });
  expect(await userRow('upd')).toMatchObject({ role: 'app-admin', groups: ['admin', 'g1', 'g2', 'g3'] });
  await run(jsonl({ username: 'upd', role: 'app-user' }), { update: true });
  expect(await userRow('upd')).toMatchObject({ role: 'app-user', groups: ['g1', 'g2', 'g3'] });

  await run(jsonl({ username: 'upd', password_hash: HASH_OF_SECRET }), { update: true });
  expect((await userRow('upd')).password).toBe(HASH_OF_SECRET);
});

test('an invalid row: every problem reported with its line, nothing written, no progress shown', async () => {
  const result = await run(`${jsonl({ username: 'ok1' })}\n{"username":"bad","role":"root"}\n\n{oops\n${jsonl({ username: 'ok1' })}`);
  expect(result).toMatchObject({ rows: 4, invalid: 3, failed: 3, created: 0, truncated: false });
  expect(result.report).toEqual([
    'line 2: role: must be one of app-admin, app-manager, app-user',
    expect.stringMatching(/^line 4: malformed JSON: /),
    'line 5: username: "ok1" is already on line 1',
  ]);
  expect(result.progress).toEqual([]);
  expect(await knex('users').where({ username: 'ok1' }).first()).toBeUndefined();
});

test('a batch the database refuses is rolled back whole (users, groups, memberships); earlier batches stay; the run stops', async () => {
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT import_test_no_mallory CHECK (username <> 'mallory')`);
  try {
    const result = await run(
      jsonl(
        { username: 'b1' },
        { username: 'b2', groups: ['early'] },
        { username: 'b3', groups: ['rolled back'] },
        { username: 'mallory' },
        { username: 'b5' },
      ),
      { batchSize: 2 },
    );
    expect(result).toMatchObject({ created: 2, failed: 2, committedRows: 2, notAttempted: 1, groupsCreated: 1 });
    expect(result.failure).toEqual({
      batch: 2,
      batches: 3,
      firstLine: 3,
      lastLine: 4,
      rows: 2,
      reason: expect.stringMatching(/^the database refused the write: new row for relation "users" violates check constraint "import_test_no_mallory" \(SQLSTATE 23514\)$/),
    });
    expect(result.failure!.reason).not.toContain('$2'); // no statement text with values
    expect(result.progress).toEqual(['start 5', '+2', 'stop']);
    expect(await knex('users').whereIn('username', ['b1', 'b2', 'b3', 'mallory', 'b5']).orderBy('id').pluck('username')).toEqual(['b1', 'b2']);
    expect(await knex('groups').whereIn('name', ['early', 'rolled back']).pluck('name')).toEqual(['early']);
  } finally {
    await knex.raw('ALTER TABLE users DROP CONSTRAINT import_test_no_mallory');
  }
});

test('export writes what import reads back: into the same database everything is unchanged, even with --update', async () => {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const count = await exportUsers(knex, sink);
  const text = chunks.join('');
  const lines = text.trimEnd().split('\n');
  expect(lines).toHaveLength(count);
  expect(count).toBe(await knex('users').count('* as n').first().then((r) => Number(r!.n)));
  expect(JSON.parse(lines[0])).toEqual({
    username: 'admin',
    name: null,
    email: null,
    role: 'app-admin',
    password_hash: expect.stringMatching(/^\$2b\$04\$/), // the test apps hash at TEST_BCRYPT_COST
    groups: ['admin'],
    quota: 'default',
    enabled: true,
  });
  expect(lines.map((line) => Object.keys(JSON.parse(line)).join(','))).toEqual(lines.map(() => 'username,name,email,role,password_hash,groups,quota,enabled'));
  expect(await run(text, { update: true })).toMatchObject({ created: 0, updated: 0, unchanged: count, failed: 0 });
});
