/**
 * Roster and the baseline as child processes on free ports: started, waited for (an HTTP answer),
 * stopped (SIGTERM, then SIGKILL), and always killed at the end (bench/cleanup.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { onCleanup } from './cleanup';
import { ADMIN_PASSWORD, ADMIN_USERNAME, API_TOKEN, BASELINE_MJS, MAIN_JS, REPO_ROOT } from './context';

export interface ServerProcess {
  name: string;
  pid: number;
  port: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Milliseconds from spawn until the first HTTP 200 on the ready path. */
  readyMs: number;
  /** The last 64 KB of stdout and stderr. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One GET; resolves with the status code, or 0 when nothing answers. */
function probe(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Environment passed on from the harness: only what node needs to run, never the caller's database settings. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

interface SpawnSpec {
  name: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  readyPath: string;
  timeoutMs: number;
}

async function spawnServer(spec: SpawnSpec): Promise<ServerProcess> {
  const startedAt = performance.now();
  const child: ChildProcess = spawn(process.execPath, spec.args, { cwd: REPO_ROOT, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-65536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve();
    });
    child.once('error', (error) => {
      keep(Buffer.from(`spawn failed: ${error.message}\n`));
      exitCode = -1;
      resolve();
    });
  });
  const stop = async (graceMs = 10000) => {
    if (exitCode !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const forget = onCleanup(`stop ${spec.name}`, () => stop(3000));

  let readyMs: number | undefined;
  while (readyMs === undefined) {
    if (exitCode !== undefined) {
      await forget();
      throw new Error(`${spec.name} exited (${exitCode}) before it was ready:\n${tail}`);
    }
    if (performance.now() - startedAt > spec.timeoutMs) {
      await forget();
      throw new Error(`${spec.name} was not ready within ${spec.timeoutMs} ms:\n${tail}`);
    }
    if ((await probe(spec.port, spec.readyPath)) === 200) readyMs = performance.now() - startedAt;
    else await sleep(10);
  }
  return {
    name: spec.name,
    pid: child.pid!,
    port: spec.port,
    origin: `http://127.0.0.1:${spec.port}`,
    readyMs,
    output: () => tail,
    stop: async (graceMs?: number) => {
      await stop(graceMs);
      await forget();
    },
  };
}

export interface RosterDatabase {
  /** Postgres URL, or undefined for embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  dataDir?: string;
}

/** The environment Roster runs with in the benchmark (also used for `roster import`). */
export function rosterEnv(db: RosterDatabase, pool: number, port?: number): Record<string, string> {
  const env: Record<string, string> = {
    ...baseEnv(),
    HOST: '127.0.0.1',
    DB_POOL_SIZE: String(pool),
    API_TOKEN,
    ADMIN_USERNAME,
    ADMIN_PASSWORD,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
  };
  if (port !== undefined) env.PORT = String(port);
  if (db.databaseUrl) env.DATABASE_URL = db.databaseUrl;
  if (db.dataDir) env.DATA_DIR = db.dataDir;
  return env;
}

/** `node dist/src/main.js`, ready when GET /readyz answers 200. */
export async function startRoster(db: RosterDatabase, pool: number, name = 'Roster', timeoutMs = 120000): Promise<ServerProcess> {
  if (!fs.existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run "npm run build" first (npm run bench does)`);
  const port = await freePort();
  return spawnServer({ name, args: [MAIN_JS], env: rosterEnv(db, pool, port), port, readyPath: '/readyz', timeoutMs });
}

/** bench/baseline.mjs (node:http + pg), run from the repository root so it finds `pg`. */
export async function startBaseline(databaseUrl: string, pool: number): Promise<ServerProcess> {
  const port = await freePort();
  const env = { ...baseEnv(), DATABASE_URL: databaseUrl, PORT: String(port), POOL: String(pool) };
  // The baseline answers any request with HTTP 200 (a JSON-RPC error for a GET), so it is ready when it answers at all.
  return spawnServer({ name: 'baseline', args: [BASELINE_MJS], env, port, readyPath: '/', timeoutMs: 30000 });
}

/** A line of /proc/<pid>/status in bytes (VmHWM = peak resident set, VmRSS = now); undefined off Linux. */
export function procStatusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface NodeRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock milliseconds from spawn to exit. */
  ms: number;
  timedOut: boolean;
}

/** Runs `node <args>` from the repository root to its end (SIGKILL after `timeoutMs`); killed at cleanup too. */
export function runNode(args: string[], env: Record<string, string>, timeoutMs: number): Promise<NodeRun> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout = (stdout + chunk.toString()).slice(-65536)));
  child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-65536)));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const forget = onCleanup(`kill node ${args.join(' ')}`, () => void child.kill('SIGKILL'));
  return new Promise((resolve) => {
    const finish = (code: number | null) => {
      clearTimeout(timer);
      void forget().catch(() => {});
      resolve({ code, stdout, stderr, ms: performance.now() - started, timedOut });
    };
    child.once('exit', (code) => finish(code));
    child.once('error', (error) => {
      stderr += `spawn failed: ${error.message}\n`;
      finish(null);
    });
  });
}
