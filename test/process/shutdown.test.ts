/**
 * Graceful shutdown of the service as a process (started as `roster serve`, and restarted as
 * `node dist/src/main.js`): on SIGTERM it stops accepting, closes idle keep-alive connections at
 * once, lets a request in flight finish with its real response (and `Connection: close`), closes the
 * database and exits 0; the data written by that request is there after a restart. A request still
 * running at SHUTDOWN_TIMEOUT_MS is cut off and the process still closes cleanly.
 * The slow request is a real one: createUser hashing its password at BCRYPT_COST 15 (about a second).
 * Embedded database in the pglite project, a fresh Postgres database in the postgres project.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, seedMigratedDataDir, testDatabaseKind, type TestDatabase } from '../helpers/database';
import { CLI, jsonRpc, runCli, startRoster } from '../helpers/process';

const API_TOKEN = 'shutdown-test-token-0123456789';
const AUTH = `Basic ${Buffer.from(`jsonrpc:${API_TOKEN}`).toString('base64')}`;

const embedded = testDatabaseKind() === 'pglite';
let dataDir: string;
let postgres: TestDatabase | undefined;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-shutdown-'));
  if (embedded) await seedMigratedDataDir(dataDir); // the first start is tested elsewhere (embedded, cli.migrate)
  else postgres = await createTestDatabase();
});
afterAll(async () => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  await postgres?.close();
});

/** Where the service keeps its data: its own DATA_DIR, or its own Postgres database. */
const storage = (): Record<string, string> => (embedded ? { DATA_DIR: dataDir } : { DATABASE_URL: postgres!.url! });
const base = () => ({ ...storage(), API_TOKEN, ADMIN_PASSWORD: 'admin-secret', BCRYPT_COST: '15' });

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request on `agent`; `socketClosed` settles when its connection closes (from either side). */
function send(port: number, agent: http.Agent, method: string, urlPath: string, body?: string): { answer: Promise<Answer>; socketClosed: Promise<void> } {
  let markClosed!: () => void;
  const socketClosed = new Promise<void>((resolve) => (markClosed = resolve));
  const answer = new Promise<Answer>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent, headers: { authorization: AUTH, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('socket', (socket) => socket.once('close', markClosed));
    req.on('error', reject);
    req.end(body);
  });
  return { answer, socketClosed };
}

const createUser = (username: string) => JSON.stringify({ jsonrpc: '2.0', method: 'createUser', params: { username, password: `${username}-secret` }, id: 1 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the error code of a new TCP connection to `port` (or "connected"). */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

test('SIGTERM: idle connections close at once, the request in flight gets its real answer, new connections are refused, exit 0, the data is there after a restart', async () => {
  const running = await startRoster(base(), 60000, [CLI, 'serve']);
  const keepAlive = () => new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // an idle keep-alive connection: its request is answered, the connection stays open
    const idle = send(running.port, keepAlive(), 'GET', '/healthz');
    const idleAnswer = await idle.answer;
    expect(idleAnswer.status).toBe(200);
    // kept open for 65 s, longer than a proxy's 60 s idle timeout (README, "Quick start")
    expect(idleAnswer.headers['keep-alive']).toBe('timeout=65');

    const slow = send(running.port, keepAlive(), 'POST', '/jsonrpc.php', createUser('slow'));
    let slowDone = false;
    void slow.answer.then(() => (slowDone = true), () => (slowDone = true));
    await sleep(500); // received; the password is hashing
    running.child.kill('SIGTERM');

    // the idle connection is closed by the server while the slow request is still running; new
    // connections are refused (Node closes idle connections just before the listening socket: a
    // moment later, so a connection attempted in between does not count)
    await idle.socketClosed;
    await sleep(100);
    expect(await connectOutcome(running.port)).toBe('ECONNREFUSED');
    expect(slowDone).toBe(false);

    const answer = await slow.answer;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ jsonrpc: '2.0', result: 2, id: 1 });
    expect(answer.headers.connection).toBe('close');
    await slow.socketClosed;
  } finally {
    expect(await running.exited).toBe(0);
  }
  expect(running.stdout()).toContain('shutting down');
  expect(running.stdout()).toContain('"msg":"stopped"');
  expect(running.stdout()).not.toContain('cut off');
  if (embedded) expect(fs.existsSync(path.join(dataDir, 'roster.lock'))).toBe(false);

  // the same storage, started the container's way
  const restarted = await startRoster(base(), 60000);
  try {
    expect((await jsonRpc(restarted.port, 'jsonrpc', API_TOKEN, 'getUserByName', { username: 'slow' })).body).toMatchObject({ result: { id: 2, username: 'slow' } });
    expect((await jsonRpc(restarted.port, 'slow', 'slow-secret', 'getMe')).body).toMatchObject({ result: { id: 2, username: 'slow' } });
  } finally {
    expect(await restarted.stop()).toBe(0);
  }
}, 180000);

test('SHUTDOWN_TIMEOUT_MS bounds the wait: a request still running is cut off, the database still closes cleanly', async () => {
  const running = await startRoster({ ...base(), SHUTDOWN_TIMEOUT_MS: '100' }, 60000);
  try {
    const slow = send(running.port, new http.Agent({ keepAlive: true }), 'POST', '/jsonrpc.php', createUser('cut'));
    const outcome = slow.answer.then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code ?? error.message,
    );
    await sleep(500);
    running.child.kill('SIGTERM');
    expect(await outcome).toBe('ECONNRESET');
  } finally {
    expect(await running.exited).toBe(0);
  }
  expect(running.stdout()).toMatch(/"cut":1,"timeoutMs":100,"msg":"requests still running at SHUTDOWN_TIMEOUT_MS were cut off"/);
  if (embedded) expect(fs.existsSync(path.join(dataDir, 'roster.lock'))).toBe(false);

  const restarted = await startRoster(base(), 60000);
  try {
    const users = (await jsonRpc(restarted.port, 'jsonrpc', API_TOKEN, 'getAllUsers')).body as { result: Array<{ username: string }> };
    expect(users.result.map((u) => u.username)).toContain('admin');
  } finally {
    expect(await restarted.stop()).toBe(0);
  }
}, 180000);

test('roster serve --help describes the command and exits 0', async () => {
  const help = await runCli(['serve', '--help'], { DATA_DIR: path.join(dataDir, 'unused') });
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('Usage: roster serve');
  expect(help.stdout).toContain('run the HTTP server until SIGTERM or SIGINT');
});
