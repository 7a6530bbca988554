/** What every scenario gets: the options, the paths, progress output and the shared bench database. */
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const MAIN_JS = path.join(REPO_ROOT, 'dist/src/main.js');
export const CLI_JS = path.join(REPO_ROOT, 'dist/src/cli.js');
export const BASELINE_MJS = path.join(REPO_ROOT, 'bench/baseline.mjs');

export const TARGET_IDS = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6'] as const;
export type TargetId = (typeof TARGET_IDS)[number];

export interface BenchOptions {
  quick: boolean;
  only: ReadonlySet<TargetId>;
  /** Seconds of one measured load run. */
  duration: number;
  /** Seconds of the discarded warm-up before each measured run. */
  warmup: number;
  /** Measured runs per server (alternating A B A B). */
  rounds: number;
  connections: number;
  /** DB_POOL_SIZE of Roster and POOL of the baseline. */
  pool: number;
  /** Users seeded (P1–P4, P6) and imported (P5). */
  users: number;
  /** The Postgres server the bench databases are created on. */
  postgresUrl: string;
}

/** Credentials the harness starts Roster with. */
export const API_TOKEN = 'bench-api-token-0123456789abcdef';
export const ADMIN_USERNAME = 'admin';
export const ADMIN_PASSWORD = 'bench-admin-password';
/** The password of every seeded user (all share one precomputed bcrypt hash). */
export const USER_PASSWORD = 'bench-user-password';

export const basicAuth = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
export const APP_TOKEN_AUTH = basicAuth('jsonrpc', API_TOKEN);
export const ADMIN_PASSWORD_AUTH = basicAuth(ADMIN_USERNAME, ADMIN_PASSWORD);

const started = Date.now();

/** A progress line on stderr, prefixed with the seconds since the start. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
}

export interface SeededDatabase {
  /** URL of the migrated, seeded database (admin = id 1, users user1… = ids 2…). */
  url: string;
  /** Users in the table after seeding (the admin included). */
  userCount: number;
}

export interface BenchContext {
  options: BenchOptions;
  /** Temporary directory removed at the end. */
  tmpDir: string;
  /** The seeded Postgres database, created on first use and dropped at the end. */
  seededDatabase(): Promise<SeededDatabase>;
  warn(message: string): void;
}
