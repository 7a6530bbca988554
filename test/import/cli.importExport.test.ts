/**
 * `roster import` and `roster export` as processes (the compiled CLI) on a database of their own:
 * exit statuses 0 / 1 (invalid data, failed batch, unreadable file) / 2 (usage), the per-row error
 * report on stderr, the summary on stdout, and the database state after each run.
 */
import { testDatabaseKind } from '../helpers/database';
import { createCliTarget, usersIn, writeFile, type CliTarget, type Run } from './cliTarget';

const HASH = '$2b$10$cylfP80rjr0LqWpnZd2Ls.6nfNvuYrRipQBy0f5GTUtd3sRWj7DLu';
const HASH_2Y = HASH.replace('$2b$', '$2y$');

// A second writer holding an uncommitted insert needs a second connection: the race exists only on
// Postgres (PGlite serves one connection), so that test is defined in the postgres project only.
const postgresOnly: jest.It = testDatabaseKind() === 'postgres' ? test : (() => undefined) as unknown as jest.It;

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The summary with the elapsed time blanked. */
const summary = (run: Run) => run.stdout.replace(/ in \d+\.\ds\n$/, ' in Ts\n');

let target: CliTarget;
beforeAll(async () => {
  target = await createCliTarget();
});
afterAll(() => target?.close());

describe('usage', () => {
  test('--help on both commands; usage errors exit 2 before any database is opened; a missing file exits 1', async () => {
    const importHelp = await target.roster(['import', '--help']);
    expect(importHelp.code).toBe(0);
    expect(importHelp.stdout).toContain('--dry-run');
    expect(importHelp.stdout).toContain('password_hash');
    const exportHelp = await target.roster(['export', '--help']);
    expect(exportHelp.code).toBe(0);
    expect(exportHelp.stdout).toContain('--output <file>');

    const unknownFormat = await target.roster(['import', 'users.txt']);
    expect(unknownFormat).toEqual({ code: 2, stdout: '', stderr: 'error: cannot tell the format of users.txt from its extension; use --format csv or --format jsonl\n' });
    expect((await target.roster(['import', 'users.csv', '--format', 'xml'])).stderr).toContain("argument 'xml' is invalid. must be csv or jsonl");
    expect((await target.roster(['import', 'users.csv', '--batch-size', '0'])).code).toBe(2);
    expect((await target.roster(['import'])).code).toBe(2);
    expect((await target.roster(['export', 'a.jsonl', '--output', 'b.jsonl'])).code).toBe(2);
    expect(await target.roster(['import', 'missing.csv'])).toEqual({ code: 1, stdout: '', stderr: 'roster: cannot read missing.csv: no such file\n' });
  }, 60000);
});

describe('import and export on one database', () => {
  test('a CSV file: users created with every field; no progress output when stderr is not a terminal', async () => {
    const file = writeFile(
      target,
      'users.csv',
      [
        'username,name,email,role,password,password_hash,groups,quota,enabled',
        `alice,Alice Liddell,alice@example.com,app-admin,,${HASH},Team Blue;ops,5GB,yes`,
        '"bob","Bob',
        'the Builder",bob@example.com,,secret-bob,,ops,,0',
        `carol,,,app-manager,,${HASH_2Y},,none,`,
        '',
      ].join('\r\n'),
    );
    const run = await target.roster(['import', file]);
    expect({ ...run, stdout: summary(run) }).toEqual({ code: 0, stdout: 'created 3, updated 0, unchanged 0, failed 0 (2 new groups) in Ts\n', stderr: '' });
    const users = await usersIn(target);
    expect(users.alice).toEqual({ name: 'Alice Liddell', email: 'alice@example.com', role: 'app-admin', quota: '5368709120', is_active: true, groups: ['Team Blue', 'admin', 'ops'], password: HASH });
    expect(users.bob).toMatchObject({ name: 'Bob\nthe Builder', email: 'bob@example.com', role: 'app-user', quota: 'default', is_active: false, groups: ['ops'], password: expect.stringMatching(/^\$2b\$10\$/) });
    expect(users.carol).toEqual({ name: '', email: '', role: 'app-manager', quota: 'none', is_active: true, groups: [], password: HASH_2Y });

    // a re-run creates nothing; --update with the same file changes nothing (bob's password verifies)
    expect(summary(await target.roster(['import', file]))).toBe('created 0, updated 0, unchanged 3, failed 0 in Ts\n');
    expect(summary(await target.roster(['import', file, '--update']))).toBe('created 0, updated 0, unchanged 3, failed 0 in Ts\n');
    expect(await usersIn(target)).toEqual(users);
  }, 120000);

  test('JSON Lines from standard input; --dry-run reports and writes nothing; --update changes what the file gives', async () => {
    const lines = [
      JSON.stringify({ username: 'dave', name: 'Dave', groups: ['new group'], quota: 1024 }),
      JSON.stringify({ username: 'carol', name: 'Carol', enabled: false }),
    ].join('\n');
    const dry = await target.roster(['import', '-', '--dry-run', '--update'], { stdin: lines });
    expect({ ...dry, stdout: summary(dry) }).toEqual({ code: 0, stdout: 'dry run (nothing written): created 1, updated 1, unchanged 0, failed 0 (1 new group) in Ts\n', stderr: '' });
    const before = await usersIn(target);
    expect(before.dave).toBeUndefined();

    expect(summary(await target.roster(['import', '-'], { stdin: lines }))).toBe('created 1, updated 0, unchanged 1, failed 0 (1 new group) in Ts\n');
    expect((await usersIn(target)).carol).toEqual(before.carol);
    expect(summary(await target.roster(['import', '-', '--update'], { stdin: lines }))).toBe('created 0, updated 1, unchanged 1, failed 0 in Ts\n');
    const after = await usersIn(target);
    expect(after.carol).toEqual({ ...before.carol, name: 'Carol', is_active: false });
    expect(after.dave).toMatchObject({ name: 'Dave', quota: '1024', groups: ['new group'], password: null });
  }, 120000);

  test('invalid rows: each problem on stderr as "line N: field: reason" with physical lines (after a multi-line field), nothing written, exit 1', async () => {
    const file = writeFile(
      target,
      'bad.csv',
      [
        'username,name,email,role,groups,quota,enabled',
        'erin,"Erin',
        'spans',
        'three lines",erin@example.com,app-user,,,',
        'frank,Frank,frank@,app-user,,,',
        '',
        'gina,Gina,,superuser,admin,lots,perhaps',
        'erin,Again,,,,,',
        'harry,Harry,,,,1GB,true,extra',
        'ivy,Ivy,ivy@example.com,app-user,staff,,',
      ].join('\n'),
    );
    const run = await target.roster(['import', file]);
    expect({ ...run, stdout: summary(run) }).toEqual({
      code: 1,
      stdout: 'created 0, updated 0, unchanged 0, failed 4 in Ts\n',
      stderr: [
        'line 5: email: is not a valid email address',
        'line 7: role: must be one of app-admin, app-manager, app-user',
        'line 7: quota: invalid quota "lots" (none, default, bytes, or a number with B, KB, MB, GB, TB or PB)',
        'line 7: enabled: must be true, false, 1, 0, yes or no',
        'line 8: username: "erin" is already on line 2',
        'line 9: expected 7 fields as in the header, found 8',
        '4 invalid rows of 6; nothing was written',
        '',
      ].join('\n'),
    });
    const users = await usersIn(target);
    expect(users.erin).toBeUndefined();
    expect(users.ivy).toBeUndefined();
  }, 60000);

  test('malformed files: an unterminated CSV quote and a broken JSON line are reported with their lines', async () => {
    const csv = writeFile(target, 'unterminated.csv', 'username,name\njoe,Joe\n\nkim,"Kim\nlee,Lee\n');
    const csvRun = await target.roster(['import', csv]);
    expect(csvRun.code).toBe(1);
    expect(csvRun.stderr).toBe(
      'line 4: malformed CSV: a quoted field is not closed before the end of the file\nreading stopped at the error above; nothing was written\n',
    );
    const jsonl = writeFile(target, 'broken.jsonl', '{"username":"joe"}\n{"username":"kim",\n{"username":"lee","rol":"app-user"}\n');
    const jsonRun = await target.roster(['import', jsonl]);
    expect(jsonRun.code).toBe(1);
    expect(jsonRun.stderr).toMatch(/^line 2: malformed JSON: .+\nline 3: rol: unknown field \(fields: username, name, email, role, password, password_hash, groups, quota, enabled\)\n2 invalid rows of 3; nothing was written\n$/);
    expect(Object.keys(await usersIn(target))).not.toContain('joe');
  }, 60000);

  test('a batch that fails at write time is rolled back whole and reported with its lines; earlier batches stay; a re-run completes', async () => {
    await target.query((knex) => knex.raw(`ALTER TABLE users ADD CONSTRAINT cli_test_no_mallory CHECK (username <> 'mallory')`));
    const file = writeFile(
      target,
      'batches.jsonl',
      ['m1', 'm2', 'm3', 'mallory', 'm5'].map((username) => JSON.stringify({ username, groups: [`group of ${username}`] })).join('\n'),
    );
    const run = await target.roster(['import', file, '--batch-size', '2']);
    expect({ ...run, stdout: summary(run) }).toEqual({
      code: 1,
      stdout: 'created 2, updated 0, unchanged 0, failed 2 (2 new groups) in Ts\n',
      stderr:
        'batch 2 of 3 (lines 3–4, 2 rows) failed and was rolled back: the database refused the write: ' +
        'new row for relation "users" violates check constraint "cli_test_no_mallory" (SQLSTATE 23514)\n' +
        '1 batch before it (2 rows) stays committed; 1 row after it was not attempted. Running the import again continues: committed rows are then unchanged.\n',
    });
    const state = async () =>
      target.query(async (knex) => ({
        users: await knex('users').where('username', 'like', 'm%').orderBy('id').pluck('username'),
        groups: await knex('groups').where('name', 'like', 'group of %').orderBy('id').pluck('name'),
      }));
    expect(await state()).toEqual({ users: ['m1', 'm2'], groups: ['group of m1', 'group of m2'] });

    await target.query((knex) => knex.raw('ALTER TABLE users DROP CONSTRAINT cli_test_no_mallory'));
    expect(summary(await target.roster(['import', file, '--batch-size', '2']))).toBe('created 3, updated 0, unchanged 2, failed 0 (3 new groups) in Ts\n');
    expect(await state()).toEqual({ users: ['m1', 'm2', 'm3', 'mallory', 'm5'], groups: ['group of m1', 'group of m2', 'group of m3', 'group of mallory', 'group of m5'] });
  }, 120000);

  postgresOnly('a user another writer creates while the import runs fails that batch only (a real race, not a validation miss)', async () => {
    const file = writeFile(target, 'race.jsonl', ['r1', 'r2', 'racer', 'r4'].map((username) => JSON.stringify({ username })).join('\n'));
    await target.query(async (knex) => {
      const trx = await knex.transaction();
      try {
        // uncommitted: the import's planning does not see it; its INSERT then waits on the unique index
        await trx('users').insert({ username: 'racer', name: 'the other writer' });
        const running = target.roster(['import', file, '--batch-size', '2']);
        await waitFor(async () => {
          const { rows } = await knex.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
          return rows[0].n > 0;
        });
        await trx.commit();
        const run = await running;
        expect(run.code).toBe(1);
        expect(summary(run)).toBe('created 2, updated 0, unchanged 0, failed 2 in Ts\n');
        expect(run.stderr).toBe(
          'batch 2 of 2 (lines 3–4, 2 rows) failed and was rolled back: a username of this batch was created meanwhile by another writer ' +
            '(duplicate key value violates unique constraint "users_username_unique")\n' +
            '1 batch before it (2 rows) stays committed; 0 rows after it were not attempted. Running the import again continues: committed rows are then unchanged.\n',
        );
      } finally {
        if (!trx.isCompleted()) await trx.rollback();
      }
      expect(await knex('users').whereIn('username', ['r1', 'r2', 'racer', 'r4']).orderBy('id').select('username', 'name')).toEqual([
        { username: 'racer', name: 'the other writer' },
        { username: 'r1', name: '' },
        { username: 'r2', name: '' },
      ]);
    });
    expect(summary(await target.roster(['import', file]))).toBe('created 1, updated 0, unchanged 3, failed 0 in Ts\n');
  }, 120000);

  test('10,000 CSV rows finish in batches; a re-run leaves all unchanged', async () => {
    const rows = ['username,name,email,password_hash,groups,quota'];
    for (let i = 1; i <= 10000; i += 1) rows.push(`bulk${i},Bulk User ${i},bulk${i}@example.com,${HASH},bulk-${i % 7};bulk,${i % 2 ? '1GB' : ''}`);
    const file = writeFile(target, 'bulk.csv', `${rows.join('\n')}\n`);
    const run = await target.roster(['import', file]);
    expect({ ...run, stdout: summary(run) }).toEqual({ code: 0, stdout: 'created 10000, updated 0, unchanged 0, failed 0 (8 new groups) in Ts\n', stderr: '' });
    const counts = await target.query(async (knex) => ({
      users: Number((await knex('users').where('username', 'like', 'bulk%').count('* as n').first())!.n),
      inBulk: Number((await knex('group_has_users').join('groups', 'groups.id', 'group_has_users.group_id').where('groups.name', 'bulk').count('* as n').first())!.n),
      gigabyte: Number((await knex('users').where({ quota: '1073741824' }).count('* as n').first())!.n),
      batches: Number((await knex('audit_events').where({ action: 'cli.import' }).whereRaw("details->>'source' = ?", [file]).count('* as n').first())!.n),
    }));
    expect(counts).toEqual({ users: 10000, inBulk: 10000, gigabyte: 5000, batches: 20 });
    expect(summary(await target.roster(['import', file]))).toBe('created 0, updated 0, unchanged 10000, failed 0 in Ts\n');
  }, 300000);

  test('export → import into an empty database → export is byte-identical; importing its own export changes nothing', async () => {
    const first = await target.roster(['export', 'first.jsonl']);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^exported \d+ users to first\.jsonl\n$/);
    const stdout = await target.roster(['export']);
    expect(stdout.code).toBe(0);
    const text = stdout.stdout;
    const lines = text.trimEnd().split('\n');
    expect(JSON.parse(lines.find((line) => line.includes('"bob"'))!)).toEqual({
      username: 'bob',
      name: 'Bob\nthe Builder',
      email: 'bob@example.com',
      role: 'app-user',
      password_hash: expect.stringMatching(/^\$2b\$10\$.{53}$/),
      groups: ['ops'],
      quota: 'default',
      enabled: false,
    });
    expect(lines.length).toBeGreaterThan(10000);

    expect(summary(await target.roster(['import', '-', '--update'], { stdin: text }))).toBe(`created 0, updated 0, unchanged ${lines.length}, failed 0 in Ts\n`);

    const empty = await createCliTarget();
    try {
      const load = await empty.roster(['import', '-'], { stdin: text });
      expect(load.code).toBe(0);
      expect(summary(load)).toMatch(new RegExp(`^created ${lines.length}, updated 0, unchanged 0, failed 0 \\(\\d+ new groups\\) in Ts\\n$`));
      const again = await empty.roster(['export', '--output', '-']);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(text);
    } finally {
      await empty.close();
    }
  }, 300000);
});
