/**
 * A Kanboard database to read from: a Postgres URL (node-postgres, one read-only repeatable-read
 * snapshot, so a running Kanboard cannot change the data half-way) or a SQLite file (sql.js, the
 * whole file read into memory; no native build needed). Both answer the same two questions per
 * table: which columns it has, and its rows (plain objects keyed by column name, values as the
 * driver returns them; read.ts normalises them).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import initSqlJs from 'sql.js';

/** The Kanboard tables the import reads. */
export const KANBOARD_TABLES = ['users', 'groups', 'group_has_users', 'projects', 'project_has_users', 'project_has_groups'] as const;
export type KanboardTable = (typeof KANBOARD_TABLES)[number];

export type SourceRow = Record<string, unknown>;

export interface KanboardSource {
  /** `postgres` or `sqlite`. */
  readonly kind: 'postgres' | 'sqlite';
  /** Where the data comes from, safe to print (a URL's password is masked). */
  readonly description: string;
  /** Warnings about the source itself (e.g. an unmerged SQLite write-ahead log). */
  readonly warnings: readonly string[];
  /** The table's column names, or null when there is no such table. */
  columns(table: KanboardTable): Promise<string[] | null>;
  /** Every row of the table, in a stable order. */
  rows(table: KanboardTable): Promise<SourceRow[]>;
  close(): Promise<void>;
}

/**
 * The source cannot be used. `usage` marks an argument that names no database at all (exit 2);
 * otherwise the database was named but could not be read (exit 1).
 */
export class KanboardSourceError extends Error {
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
    this.name = 'KanboardSourceError';
  }
}

/** Row order per table, so reading and reporting are deterministic. */
const ORDER: Record<KanboardTable, readonly string[]> = {
  users: ['id'],
  groups: ['id'],
  group_has_users: ['group_id', 'user_id'],
  projects: ['id'],
  project_has_users: ['project_id', 'user_id'],
  project_has_groups: ['project_id', 'group_id'],
};

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const orderBy = (table: KanboardTable) => ORDER[table].map(quote).join(', ');

/** The URL with its password replaced by `***`. */
export function redactUrl(location: string): string {
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return location.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

/**
 * The driver's reason, also for Node's AggregateError (IPv4 and IPv6 both refused) whose message is
 * empty. Duck-typed: errors from another realm (a test sandbox) are not `instanceof Error` here.
 */
function reason(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const e = error as { message?: unknown; code?: unknown; name?: unknown; errors?: unknown };
  if (Array.isArray(e.errors) && e.errors.length > 0 && !e.message) return reason(e.errors[0]);
  if (typeof e.message === 'string' && e.message !== '') return e.message;
  return typeof e.code === 'string' ? e.code : String(e.name ?? error);
}

async function openPostgres(location: string): Promise<KanboardSource> {
  const description = redactUrl(location);
  const client = new Client({ connectionString: location, connectionTimeoutMillis: 10000, application_name: 'roster-import' });
  // an unexpected disconnect after connecting surfaces on the next query; this only keeps it from crashing the process
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  } catch (error) {
    await client.end().catch(() => {});
    throw new KanboardSourceError(`cannot connect to the Kanboard database ${description}: ${reason(error)}`);
  }
  const query = async (sql: string, params: unknown[] = []) => {
    try {
      return await client.query(sql, params);
    } catch (error) {
      throw new KanboardSourceError(`cannot read the Kanboard database ${description}: ${reason(error)}`);
    }
  };
  return {
    kind: 'postgres',
    description,
    warnings: [],
    async columns(table) {
      // to_regclass follows the search_path, as Kanboard's own queries do
      const result = await query(
        'SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum',
        [quote(table)],
      );
      return result.rows.length === 0 ? null : result.rows.map((row: { attname: string }) => row.attname);
    },
    async rows(table) {
      return (await query(`SELECT * FROM ${quote(table)} ORDER BY ${orderBy(table)}`)).rows as SourceRow[];
    },
    async close() {
      await client.query('ROLLBACK').catch(() => {});
      await client.end().catch(() => {});
    },
  };
}

async function openSqlite(file: string): Promise<KanboardSource> {
  const description = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new KanboardSourceError(`cannot read ${description}: ${reason(error)}`);
  }
  const SQL = await initSqlJs();
  const db = new SQL.Database(bytes);
  const exec = (sql: string, params: (string | number)[] = []) => {
    try {
      const [result] = db.exec(sql, params);
      if (!result) return [];
      return result.values.map((values) => Object.fromEntries(result.columns.map((column, i) => [column, values[i]])));
    } catch (error) {
      const message = reason(error);
      if (/not a database|malformed/i.test(message)) {
        throw new KanboardSourceError(`${description} is not a SQLite database (${message})`);
      }
      throw new KanboardSourceError(`cannot read the Kanboard database ${description}: ${message}`);
    }
  };
  const warnings: string[] = [];
  const wal = `${file}-wal`;
  if (fs.existsSync(wal) && fs.statSync(wal).size > 0) {
    warnings.push(
      `${path.resolve(wal)} exists: changes still in SQLite's write-ahead log are not read; stop Kanboard (or checkpoint the database) for a complete copy`,
    );
  }
  return {
    kind: 'sqlite',
    description,
    warnings,
    async columns(table) {
      const exists = exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`, [table]);
      if (exists.length === 0) return null;
      return exec(`SELECT name FROM pragma_table_info(?)`, [table]).map((row) => row.name as string);
    },
    async rows(table) {
      return exec(`SELECT * FROM ${quote(table)} ORDER BY ${orderBy(table)}`);
    },
    async close() {
      db.close();
    },
  };
}

/**
 * Opens `location`: a `postgres://` or `postgresql://` URL, or the path of a SQLite file (Kanboard's
 * `data/db.sqlite`). Throws KanboardSourceError with a message for the operator.
 */
export async function openKanboardSource(location: string): Promise<KanboardSource> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return openPostgres(location);
  if (scheme === 'mysql' || scheme === 'mariadb') {
    throw new KanboardSourceError('MySQL/MariaDB Kanboard databases are not supported: give a postgres:// URL or a SQLite file', true);
  }
  if (scheme === 'sqlite' || scheme === 'file') {
    throw new KanboardSourceError(`give the SQLite file as a plain path, not a ${scheme}:// URL (e.g. /var/www/kanboard/data/db.sqlite)`, true);
  }
  if (scheme) throw new KanboardSourceError(`unsupported database URL ${redactUrl(location)}: use postgres://… or the path of a SQLite file`, true);
  if (location === '' || !fs.existsSync(location)) {
    throw new KanboardSourceError(`${location === '' ? '(empty)' : location} is neither a postgres:// URL nor an existing SQLite file`, true);
  }
  if (fs.statSync(location).isDirectory()) {
    const candidate = path.join(location, 'db.sqlite');
    const hint = fs.existsSync(candidate) ? `; did you mean ${candidate}?` : '';
    throw new KanboardSourceError(`${location} is a directory, not a SQLite file${hint}`, true);
  }
  return openSqlite(location);
}
