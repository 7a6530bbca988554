/**
 * Hot reads: a fixed statement, run on a connection of knex's pool without knex's query pipeline
 * and, on Postgres, as a named prepared statement. For the reads every request pays for (getUser),
 * knex's per-query work (raw formatting, binding positions, the runner, its events) costs about as
 * much CPU as node-postgres itself, and parsing and planning the statement every time costs the
 * server more than running it. The pool, its limits and its timeouts stay knex's.
 *
 * - Only on node-postgres and outside a transaction: inside one, and on PGlite (whose driver hands
 *   back other value types than knex-pglite passes on), the statement goes through `db.raw`.
 * - A server that refuses named statements (a pooler such as PgBouncer in transaction mode answers
 *   "prepared statement … does not exist" or "… already exists") gets the same statement unnamed,
 *   then and from then on for that knex instance.
 * - Errors are node-postgres's own, as knex would pass them on (src/db/pgErrors.ts translates them).
 * - The statement is handed to node-postgres as a `Query` made from its text, with the name and
 *   values set on it: given a config object instead, node-postgres copies it property descriptor by
 *   property descriptor on every call, which cost more than any other JavaScript of a `getUser`.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import pg from 'pg';

export interface HotStatement {
  /** With `?` placeholders, for knex. */
  readonly knexSql: string;
  /** The same with `$1`, `$2`… for node-postgres. */
  readonly pgSql: string;
  /** The prepared statement's name: derived from the text, so every instance agrees on it. */
  readonly name: string;
}

/** A statement whose placeholders are `?`. No `?` may appear elsewhere in it. */
export function hotStatement(sql: string): HotStatement {
  let n = 0;
  const pgSql = sql.replace(/\?/g, () => `$${++n}`);
  const name = `roster_${createHash('sha256').update(pgSql).digest('hex').slice(0, 24)}`;
  return Object.freeze({ knexSql: sql, pgSql, name });
}

interface PgConnection {
  query(query: PgQuery): void;
}

/** The members of node-postgres's Query that a submitted query is made of (see `submit`). */
interface PgQuery {
  name?: string;
  values?: readonly unknown[];
  callback?: (error: Error | null, result?: { rows: unknown[] }) => void;
}

/**
 * Runs `text` on the connection, as a named statement when `name` is given. `new pg.Query(text)`
 * reads nothing but the text (a string needs no copying); the connection then takes the query as is.
 */
function submit(connection: PgConnection, text: string, name: string | undefined, values: readonly unknown[]): Promise<unknown[]> {
  const query = new pg.Query(text) as unknown as PgQuery;
  if (name !== undefined) query.name = name;
  query.values = values;
  return new Promise((resolve, reject) => {
    query.callback = (error, result) => (error ? reject(error) : resolve(result!.rows));
    connection.query(query);
  });
}

/** SQLSTATE 26000 (no such prepared statement) and 42P05 (it exists already): a pooler in between. */
const PREPARED_STATEMENT_TROUBLE = new Set(['26000', '42P05']);

/** knex clients (one per knex instance) whose server refused a named statement. */
const unnamedOnly = new WeakSet<object>();

function usesNodePostgres(db: Knex): boolean {
  return !db.isTransaction && (db.client as { config?: { client?: unknown } }).config?.client === 'pg';
}

/** The rows of a hot statement. */
export async function hotRows<Row>(db: Knex, statement: HotStatement, bindings: readonly unknown[]): Promise<Row[]> {
  if (!usesNodePostgres(db)) return (await db.raw(statement.knexSql, bindings as Knex.RawBinding[])).rows as Row[];
  const { client } = db;
  const connection = (await client.acquireConnection()) as PgConnection;
  try {
    if (!unnamedOnly.has(client)) {
      try {
        return (await submit(connection, statement.pgSql, statement.name, bindings)) as Row[];
      } catch (error) {
        if (!PREPARED_STATEMENT_TROUBLE.has((error as { code?: unknown }).code as string)) throw error;
        unnamedOnly.add(client);
      }
    }
    return (await submit(connection, statement.pgSql, undefined, bindings)) as Row[];
  } finally {
    void client.releaseConnection(connection); // synchronous, and never rejects
  }
}
