/**
 * Runs the compiled service (`node dist/src/main.js`, as `npm start` and the container do, or
 * `node dist/src/cli.js serve`) and the compiled command line.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const MAIN = path.resolve(__dirname, '../../dist/src/main.js');
export const CLI = path.resolve(__dirname, '../../dist/src/cli.js');

export interface RunningRoster {
  child: ChildProcess;
  port: number;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export function assertBuilt(): void {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does)`);
}

/**
 * Starts the service and waits for its "listening" log line (or its exit). `args` is what node runs:
 * `[MAIN]` by default, `[CLI, 'serve']` for the command line's serve.
 */
export function startRoster(env: Record<string, string>, timeoutMs = 20000, args: readonly string[] = [MAIN]): Promise<RunningRoster> {
  assertBuilt();
  const child = spawn(process.execPath, [...args], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Roster did not start in ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    const running = (port: number): RunningRoster => ({
      child,
      port,
      stdout: () => out,
      stderr: () => err,
      exited,
      stop(signal = 'SIGTERM') {
        child.kill(signal);
        return exited;
      },
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"port":(\d+)[^\n]*Roster listening/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(running(Number(match[1])));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`Roster exited with ${code}:\n${out}\n${err}`), { code, stdout: out, stderr: err }));
    });
  });
}

/** Runs the service expecting it to exit; resolves with its code and output. */
export function runToExit(env: Record<string, string>, timeoutMs = 20000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return startRoster(env, timeoutMs).then(
    async (running) => {
      await running.stop('SIGKILL');
      throw new Error(`expected Roster to exit, but it started:\n${running.stdout()}`);
    },
    (error: { code?: number | null; stdout?: string; stderr?: string }) => {
      if (error.stdout === undefined) throw error;
      return { code: error.code ?? null, stdout: error.stdout, stderr: error.stderr ?? '' };
    },
  );
}

export async function jsonRpc(port: number, user: string, secret: string, method: string, params?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}/jsonrpc.php`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}` },
    body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `roster <args>` (the compiled command line) to its end, with `input` on stdin (default: none). */
export function runCli(args: readonly string[], env: Record<string, string>, input = '', timeoutMs = 60000): Promise<CliRun> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (error as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
    child.stdin!.on('error', () => {}); // a command that exits before reading its input
    child.stdin!.end(input);
  });
}
