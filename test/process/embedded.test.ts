/**
 * The service as a process on the embedded database: first start prints the admin password and the
 * API token once, the data directory is locked against a second process, SIGTERM closes cleanly and
 * a warm start finds the data again. (Runs once per project; it uses its own data directory.)
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { jsonRpc, runToExit, startRoster } from '../helpers/process';

let dataDir: string;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-embedded-'));
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

test('first start, lock, clean stop and warm start', async () => {
  const first = await startRoster({ DATA_DIR: dataDir });
  const out = first.stdout();
  const password = /admin password: (\S+)/.exec(out)?.[1];
  const token = /API token \(HTTP Basic user "jsonrpc"\): (\S+)/.exec(out)?.[1];
  expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
  expect(token).toMatch(/^[A-Za-z0-9]{48}$/);
  expect(out).toContain('embedded PGlite database: for a single instance only');

  expect(await jsonRpc(first.port, 'jsonrpc', token!, 'getVersion')).toEqual({ status: 200, body: { jsonrpc: '2.0', result: '1.2.53', id: 1 } });
  const me = await jsonRpc(first.port, 'admin', password!, 'getMe');
  expect(me.body).toMatchObject({ result: { id: 1, username: 'admin', role: 'app-admin', is_active: true } });
  expect(fs.readFileSync(path.join(dataDir, 'roster.lock'), 'utf8').trim()).toBe(String(first.child.pid));

  const second = await runToExit({ DATA_DIR: dataDir });
  expect(second.code).toBe(1);
  expect(second.stderr).toContain(`in use by another Roster process (pid ${first.child.pid})`);

  expect(await first.stop('SIGTERM')).toBe(0);
  expect(fs.existsSync(path.join(dataDir, 'roster.lock'))).toBe(false);

  const warm = await startRoster({ DATA_DIR: dataDir });
  expect(warm.stdout()).not.toContain('admin password');
  expect(warm.stdout()).not.toContain('API token');
  expect((await jsonRpc(warm.port, 'jsonrpc', token!, 'getVersion')).status).toBe(200);
  expect((await jsonRpc(warm.port, 'jsonrpc', 'wrong-token', 'getVersion')).status).toBe(401);
  expect(await warm.stop('SIGINT')).toBe(0);
});

test('a stale lock left by a dead process is taken over', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-stale-'));
  try {
    fs.writeFileSync(path.join(dir, 'roster.lock'), '999999\n');
    const running = await startRoster({ DATA_DIR: dir, API_TOKEN: 'configured-token-0123456789', ADMIN_PASSWORD: 'configured-pw' });
    expect(running.stdout()).not.toContain('API token');
    expect(running.stdout()).not.toContain('admin password');
    expect(running.stdout()).toContain('Created the admin user "admin"');
    expect((await jsonRpc(running.port, 'jsonrpc', 'configured-token-0123456789', 'getTimezone')).body).toEqual({ jsonrpc: '2.0', result: 'UTC', id: 1 });
    expect((await jsonRpc(running.port, 'admin', 'configured-pw', 'getMe')).status).toBe(200);
    expect(await running.stop()).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad configuration value stops the process with a message naming the variable', async () => {
  for (const [name, value] of [
    ['PORT', 'eighty'],
    ['BATCH_LIMIT', '0'],
    ['BODY_LIMIT', 'lots'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
  ]) {
    const result = await runToExit({ DATA_DIR: dataDir, [name]: value });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Invalid configuration: ${name}`);
  }
});

test('a port that is already taken stops the process with a clear message', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-port-'));
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const result = await runToExit({ DATA_DIR: dir, PORT: String(port) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    expect(result.stdout).not.toContain('Roster listening');
    expect(fs.existsSync(path.join(dir, 'roster.lock'))).toBe(false);
  } finally {
    blocker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
