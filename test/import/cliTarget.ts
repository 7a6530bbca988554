/**
 * The compiled `roster` command line run as a process against a database of its own: an embedded
 * one in a temporary DATA_DIR (pglite project) or a fresh Postgres database (postgres project).
 * `query` reads or changes that database between runs (for PGlite while no command holds it).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { migrateLatest, openDatabase } from '../../src/db/database';
import { createTestDatabase, seedMigratedDataDir, testDatabaseKind, type TestDatabase } from '../helpers/database';

export const CLI = path.resolve(__dirname, '../../dist/src/cli.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliTarget {
  kind: 'pglite' | 'postgres';
  /** A directory for the test's files (removed by close). */
  dir: string;
  env: Record<string, string>;
  /** Runs `roster …args`, optionally feeding `stdin`. */
  roster(args: readonly string[], options?: { stdin?: string; env?: Record<string, string> }): Promise<Run>;
  /** Runs `fn` on the target database. */
  query<T>(fn: (knex: Knex) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function assertBuilt(): void {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
}

export async function createCliTarget(): Promise<CliTarget> {
  assertBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-import-'));
  let postgres: TestDatabase | undefined;
  let env: Record<string, string>;
  if (testDatabaseKind() === 'postgres') {
    postgres = await createTestDatabase();
    env = { DATABASE_URL: postgres.url! };
  } else {
    env = { DATA_DIR: path.join(dir, 'data') };
    await seedMigratedDataDir(env.DATA_DIR);
  }
  const baseEnv = { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', BCRYPT_COST: '10', ...env };

  return {
    kind: postgres ? 'postgres' : 'pglite',
    dir,
    env: baseEnv,
    roster(args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...baseEnv, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        const timer = setTimeout(() => child.kill('SIGKILL'), 120000);
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
        child.stdin.on('error', () => undefined); // a command that exits without reading
        child.stdin.end(options.stdin ?? '');
      });
    },
    async query(fn) {
      if (postgres) return fn(postgres.knex);
      const db = await openDatabase({ dataDir: env.DATA_DIR, poolSize: 1 });
      try {
        await migrateLatest(db.knex);
        return await fn(db.knex);
      } finally {
        await db.close();
      }
    },
    async close() {
      await postgres?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes `content` to `name` in the target's directory and returns the name (commands run there). */
export function writeFile(target: CliTarget, name: string, content: string): string {
  fs.writeFileSync(path.join(target.dir, name), content);
  return name;
}

/** The users as `roster export` would list them, read directly: username → fields. */
export async function usersIn(target: CliTarget): Promise<Record<string, { name: string | null; email: string | null; role: string; quota: string; is_active: boolean; groups: string[]; password: string | null }>> {
  return target.query(async (knex) => {
    const rows = await knex('users').select('id', 'username', 'name', 'email', 'role', 'quota', 'is_active', 'password').orderBy('id');
    const memberships = await knex('group_has_users')
      .join('groups', 'groups.id', 'group_has_users.group_id')
      .select('group_has_users.user_id', 'groups.name')
      .orderByRaw('groups.name COLLATE "C"');
    const result: Record<string, { name: string | null; email: string | null; role: string; quota: string; is_active: boolean; groups: string[]; password: string | null }> = {};
    for (const row of rows) {
      result[row.username] = {
        name: row.name,
        email: row.email,
        role: row.role,
        quota: row.quota,
        is_active: row.is_active,
        password: row.password,
        groups: memberships.filter((m: { user_id: number }) => Number(m.user_id) === Number(row.id)).map((m: { name: string }) => m.name),
      };
    }
    return result;
  });
}
