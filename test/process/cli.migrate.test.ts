/**
 * `roster migrate [--rollback --yes]` (and `npm run migrate`, which runs it) as a process on an
 * embedded database of its own: applies, reports up to date, refuses a rollback without --yes,
 * reverts everything with it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/process';

const ALL = ['001_initial', '002_ocs', '003_oidc', '004_audit', '005_rate_limits'];

let dataDir: string;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-migrate-'));
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const migrate = (...args: string[]) => runCli(['migrate', ...args], { DATA_DIR: dataDir });

test('applies, then reports up to date; --rollback --yes reverts every migration, and they apply again', async () => {
  expect(await migrate()).toEqual({ code: 0, stdout: `Applied: ${ALL.join(', ')}\n`, stderr: '' });
  expect(await migrate()).toEqual({ code: 0, stdout: 'Already up to date.\n', stderr: '' });
  expect(await migrate('--rollback', '--yes')).toEqual({ code: 0, stdout: `Reverted: ${[...ALL].reverse().join(', ')}\n`, stderr: '' });
  expect(await migrate('--rollback', '--yes')).toEqual({ code: 0, stdout: 'Nothing to revert.\n', stderr: '' });
  expect(await migrate()).toEqual({ code: 0, stdout: `Applied: ${ALL.join(', ')}\n`, stderr: '' });
  expect(fs.existsSync(path.join(dataDir, 'roster.lock'))).toBe(false);
}, 120000);

test('usage errors exit 2 without opening the database; --help exits 0; a locked data directory exits 1', async () => {
  expect(await migrate('--rollback')).toEqual({ code: 2, stdout: '', stderr: 'Refusing to roll back: it drops every table and all Roster data. Add --yes to confirm.\n' });
  expect(await migrate('--yes')).toEqual({ code: 2, stdout: '', stderr: '--yes only confirms --rollback\n' });
  expect(await migrate('--bogus')).toEqual({ code: 2, stdout: '', stderr: "error: unknown option '--bogus'\n" });
  const help = await migrate('--help');
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('--rollback');
  expect(help.stdout).toContain('confirm --rollback');
  // a usage error never touched the (missing) data directory
  const untouched = path.join(dataDir, 'never');
  expect((await runCli(['migrate', '--rollback'], { DATA_DIR: untouched })).code).toBe(2);
  expect(fs.existsSync(untouched)).toBe(false);

  // the lock of a live process (this test's own pid) refuses the command
  const locked = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-migrate-locked-'));
  try {
    fs.writeFileSync(path.join(locked, 'roster.lock'), `${process.pid}\n`);
    const result = await runCli(['migrate'], { DATA_DIR: locked });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`in use by another Roster process (pid ${process.pid})`);
    expect(result.stdout).toBe('');
  } finally {
    fs.rmSync(locked, { recursive: true, force: true });
  }
  const badConfig = await runCli(['migrate'], { DATA_DIR: dataDir, DATABASE_URL: 'mysql://x' });
  expect(badConfig.code).toBe(2);
  expect(badConfig.stderr).toContain('Invalid configuration: DATABASE_URL');
}, 60000);

test('an unreachable database: "Migration failed" and exit 1', async () => {
  // LOG_LEVEL=error: without it, knex's own warning about the refused connection comes first
  const result = await runCli(['migrate'], { DATABASE_URL: 'postgres://roster@127.0.0.1:1/roster', LOG_LEVEL: 'error' });
  expect(result).toEqual({ code: 1, stdout: '', stderr: 'Migration failed: connect ECONNREFUSED 127.0.0.1:1\n' });
}, 60000);

test('npm run migrate runs roster migrate', () => {
  const scripts = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  expect(scripts.migrate).toBe('npm run build --silent && node dist/src/cli.js migrate');
});
