/**
 * `roster oidc-provider add|list|remove` (nmcuser-oidc §9.4) as a process: the compiled CLI on an
 * embedded database of its own, exit statuses 0 / 1 (refused, message on stderr) / 2 (usage).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedMigratedDataDir } from '../helpers/database';

const CLI = path.resolve(__dirname, '../../dist/src/cli.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dataDir: string;
beforeAll(async () => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-cli-'));
  await seedMigratedDataDir(dataDir); // the first start is tested elsewhere (embedded, cli.migrate)
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function roster(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, timeout: 60000 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

test('add, list (text and JSON), refuse duplicates and invalid identifiers, remove by identifier and id', async () => {
  expect(await roster('oidc-provider', 'add', 'Telekom')).toEqual({ code: 0, stdout: '1\n', stderr: '' });
  expect(await roster('oidc-provider', 'add', 'o2', '--client-id', 'roster', '--discovery-url', 'https://login.example.com/.well-known/openid-configuration')).toEqual({
    code: 0,
    stdout: '2\n',
    stderr: '',
  });

  const duplicate = await roster('oidc-provider', 'add', 'TELEKOM');
  expect(duplicate).toEqual({ code: 1, stdout: '', stderr: 'an OIDC provider "TELEKOM" already exists (identifiers are compared ignoring case)\n' });
  const digits = await roster('oidc-provider', 'add', '123');
  expect(digits.code).toBe(1);
  expect(digits.stderr).toMatch(/^identifier must NOT be valid/);
  const badUrl = await roster('oidc-provider', 'add', 'x', '--discovery-url', 'ftp://x');
  expect(badUrl.code).toBe(1);
  expect(badUrl.stderr).toContain('discovery_url must match format "http-url-or-empty"');

  expect(await roster('oidc-provider', 'list')).toEqual({
    code: 0,
    stdout: '1\tTelekom\t\t\n2\to2\troster\thttps://login.example.com/.well-known/openid-configuration\n',
    stderr: '',
  });
  const json = await roster('oidc-provider', 'list', '--json');
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toEqual([
    { id: 1, identifier: 'Telekom', client_id: '', discovery_url: '' },
    { id: 2, identifier: 'o2', client_id: 'roster', discovery_url: 'https://login.example.com/.well-known/openid-configuration' },
  ]);

  expect(await roster('oidc-provider', 'remove', 'TELEKOM')).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(await roster('oidc-provider', 'remove', '2')).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(await roster('oidc-provider', 'remove', '2')).toEqual({ code: 1, stdout: '', stderr: 'no OIDC provider 2\n' });
  expect(await roster('oidc-provider', 'remove', 'nobody')).toEqual({ code: 1, stdout: '', stderr: 'no OIDC provider nobody\n' });
  expect(await roster('oidc-provider', 'list')).toEqual({ code: 0, stdout: '', stderr: '' });
}, 240000);

test('usage errors exit 2, --help exits 0, a bad configuration exits 2', async () => {
  const missing = await roster('oidc-provider', 'add');
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("missing required argument 'identifier'");
  expect((await roster('oidc-provider', 'frobnicate')).code).toBe(2);
  expect((await roster('oidc-provider', 'list', '--bogus')).code).toBe(2);
  const help = await roster('oidc-provider', 'add', '--help');
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('--discovery-url <url>');

  const badConfig = await new Promise<Run>((resolve) => {
    execFile(process.execPath, [CLI, 'oidc-provider', 'list'], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: 'abc' } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
  expect(badConfig.code).toBe(2);
  expect(badConfig.stderr).toContain('PORT must be integer');
}, 120000);
