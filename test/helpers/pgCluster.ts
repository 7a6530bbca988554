/**
 * A private PostgreSQL cluster for one test file, for tests that take the database away: `initdb`
 * in a temporary directory (trust auth, superuser `postgres`), started with `pg_ctl` on a free port
 * of 127.0.0.1 with its unix socket in the same directory and `fsync` off, and stopped and started
 * again at will. `cluster.destroy()` stops it (immediate mode) and removes the directory; always
 * `await cluster.destroy()` in `afterAll`.
 *
 * initdb and pg_ctl refuse to run as root: when the tests run as root (CI), they run as the
 * `postgres` OS user (runuser, or su without it) and the directory is handed to that user.
 * The binaries are taken from PG_BIN, else the newest /usr/lib/postgresql/<version>/bin, else PATH.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ldap';

export type StopMode = 'immediate' | 'fast';

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** Starts the server and resolves once it accepts connections (`pg_ctl start -w`). */
  start(): Promise<void>;
  /** Stops the server and resolves once it is down (`pg_ctl stop -w -m <mode>`). */
  stop(mode: StopMode): Promise<void>;
  /** Whether the last start or stop left the server running. */
  isRunning(): boolean;
  /** Stops the server if it runs and removes the directory; never throws. */
  destroy(): Promise<void>;
  /** The server's log file so far (for failure messages). */
  log(): string;
}

/** The directory holding initdb and pg_ctl, or '' to find them on PATH. */
export function postgresBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : '';
}

const RUNUSER = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((p) => fs.existsSync(p));
const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** `[file, args]` that run a PostgreSQL program as the `postgres` OS user when we are root, else as ourselves. */
function asServerUser(program: string, args: readonly string[]): [string, string[]] {
  const bin = postgresBinDir();
  const file = bin ? path.join(bin, program) : program;
  if (process.getuid?.() !== 0) return [file, [...args]];
  if (RUNUSER) return [RUNUSER, ['-u', 'postgres', '--', file, ...args]];
  return ['su', ['postgres', '-s', '/bin/sh', '-c', [file, ...args].map(shellQuote).join(' ')]];
}

/** Runs a PostgreSQL program in `cwd` (the cluster's directory: the server user may not enter ours). */
function run(program: string, args: readonly string[], cwd: string, timeoutMs = 60000): Promise<string> {
  const [file, argv] = asServerUser(program, args);
  return new Promise((resolve, reject) => {
    execFile(file, argv, { cwd, timeout: timeoutMs, env: { PATH: process.env.PATH ?? '', LANG: 'C', LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${program} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Creates the cluster (initdb) and starts it. */
export async function createPgCluster(): Promise<PgCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    fs.chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const port = await freePort();
  let running = false;
  const cluster: PgCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      const options = `-k "${dir}" -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off`;
      await run('pg_ctl', ['-D', data, '-l', logFile, '-o', options, '-w', '-t', '60', 'start'], dir);
      running = true;
    },
    async stop(mode) {
      await run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop'], dir);
      running = false;
    },
    isRunning: () => running,
    async destroy() {
      if (running || fs.existsSync(path.join(data, 'postmaster.pid'))) await cluster.stop('immediate').catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
  };
  try {
    await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--no-locale'], dir);
    await cluster.start();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}
