/**
 * Bench databases on the Postgres server at BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres): created fresh as roster_bench_<pid>[_suffix],
 * dropped at the end; users seeded with one INSERT … SELECT generate_series; the JSON Lines file
 * P5 imports.
 */
import fs from 'node:fs';
import bcrypt from 'bcrypt';
import pg from 'pg';
import { onCleanup } from './cleanup';
import { USER_PASSWORD } from './context';

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL of database `name` on the server of `url`. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs `work` with one connection to `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Postgres's version string, or an error naming BENCH_DATABASE_URL when the server does not answer. */
export async function postgresVersion(serverUrl: string): Promise<string> {
  try {
    return await withClient(serverUrl, async (c) => (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v);
  } catch (error) {
    throw new Error(`Postgres does not answer at ${redact(serverUrl)} (${(error as Error).message}); start it or set BENCH_DATABASE_URL`);
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** A fresh, empty database `roster_bench_<pid><suffix>`; dropped at cleanup (WITH (FORCE): connections are cut). */
export async function createDatabase(serverUrl: string, suffix = ''): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `roster_bench_${process.pid}${suffix}`;
  await withClient(serverUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  });
  const drop = onCleanup(`drop database ${name}`, () => withClient(serverUrl, async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))));
  return { name, url: withDatabase(serverUrl, name), drop };
}

/** The bcrypt cost Roster uses by default (BCRYPT_COST). */
const BCRYPT_COST = 10;

/**
 * Adds `count` users user1…user<count> (name "Bench User <n>", email user<n>@bench.example,
 * app-user) to a migrated database, all with the same precomputed hash of USER_PASSWORD, in one
 * statement; then ANALYZE. Returns the number of users in the table.
 */
export async function seedUsers(url: string, count: number): Promise<number> {
  const hash = await bcrypt.hash(USER_PASSWORD, BCRYPT_COST);
  return withClient(url, async (c) => {
    await c.query(
      `INSERT INTO users (username, password, name, email, role)
       SELECT 'user' || g, $1, 'Bench User ' || g, 'user' || g || '@bench.example', 'app-user'
       FROM generate_series(1, $2::int) AS g`,
      [hash, count],
    );
    await c.query('ANALYZE users');
    return countUsers(c);
  });
}

export async function countUsers(client: pg.Client): Promise<number> {
  return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0].n);
}

/** `count` JSON Lines users without passwords (username, name, email) for `roster import`. */
export async function writeImportFile(file: string, count: number): Promise<void> {
  const out = fs.createWriteStream(file);
  const CHUNK = 10000;
  for (let from = 1; from <= count; from += CHUNK) {
    const lines: string[] = [];
    for (let n = from; n < from + CHUNK && n <= count; n++) {
      lines.push(JSON.stringify({ username: `import${n}`, name: `Imported User ${n}`, email: `import${n}@bench.example` }));
    }
    if (!out.write(`${lines.join('\n')}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}
