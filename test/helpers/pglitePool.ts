/**
 * PGlite test databases used again within a test file. Starting a PGlite costs about a second of
 * CPU (more on a busy machine), and many test files start a fresh app per test. A database that a
 * test gives back is therefore returned to the state it started in — every table's rows and every
 * sequence as they were, session state discarded — and handed to the next test of the same file.
 *
 * Only a database whose schema (tables, columns, defaults, constraints, indexes, triggers,
 * functions, roles, extensions) is unchanged is used again; a test that altered it (a trigger that
 * fails writes, a dropped table), closed the PGlite or left it in a state that does not reset
 * cleanly gets its database closed instead. Every idle database is closed when the test file ends.
 */
import type { PGlite } from '@electric-sql/pglite';

/** One PGlite and what it looked like when it was new. */
export interface PooledPglite {
  pglite: PGlite;
  /** Digest of the schema (see SCHEMA_FINGERPRINT). */
  fingerprint: string;
  /** Tables other than knex's, quoted. */
  tables: string[];
  /** Rows of the tables that had any, as JSON (the migrations' seed rows). */
  seeds: Array<{ table: string; rows: string }>;
  /** Every sequence's position (but knex's). */
  sequences: Array<{ name: string; lastValue: string; isCalled: boolean }>;
}

const SCHEMA_FINGERPRINT = `
  SELECT md5(string_agg(item, E'\\n' ORDER BY item)) AS fingerprint FROM (
    SELECT 'class ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    UNION ALL
    SELECT 'column ' || a.attrelid::regclass::text || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'default ' || d.adrelid::regclass::text || '.' || d.adnum || ' ' || pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
    UNION ALL
    SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
     WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL
    SELECT 'rule ' || ev_class::regclass::text || ' ' || rulename FROM pg_rewrite WHERE ev_class >= 16384
    UNION ALL
    SELECT 'policy ' || polrelid::regclass::text || ' ' || polname FROM pg_policy
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    SELECT 'role ' || rolname FROM pg_roles
    UNION ALL
    SELECT 'schema ' || nspname FROM pg_namespace
    UNION ALL
    SELECT 'extension ' || extname FROM pg_extension
    UNION ALL
    SELECT 'database ' || datname FROM pg_database
  ) AS schema(item)`;

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Records what a new, migrated PGlite looks like, so that it can be reset to it later. */
export async function describeNew(pglite: PGlite): Promise<PooledPglite> {
  const fingerprint = (await pglite.query<{ fingerprint: string }>(SCHEMA_FINGERPRINT)).rows[0].fingerprint;
  const tableNames = (
    await pglite.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex\\_migrations%' ORDER BY tablename`)
  ).rows.map((row) => row.name);
  const tables = tableNames.map(quoteIdent);
  const seeds: PooledPglite['seeds'] = [];
  for (const table of tables) {
    const { rows } = await pglite.query<{ rows: string | null }>(`SELECT json_agg(t)::text AS rows FROM ${table} t`);
    if (rows[0].rows) seeds.push({ table, rows: rows[0].rows });
  }
  const sequences: PooledPglite['sequences'] = [];
  // knex's own sequences stay with knex's tables, whose rows are not reset either (a test that
  // re-runs migrations leaves both moved on together)
  const names = (
    await pglite.query<{ name: string }>(`SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) AS name FROM pg_sequences WHERE sequencename NOT LIKE 'knex\\_migrations%'`)
  ).rows;
  for (const { name } of names) {
    const { rows } = await pglite.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${name}`);
    sequences.push({ name, lastValue: rows[0].last_value, isCalled: rows[0].is_called });
  }
  return { pglite, fingerprint, tables, seeds, sequences };
}

/** Returns the database to its state when new; false when it cannot be (then it must be closed). */
async function reset(entry: PooledPglite): Promise<boolean> {
  const { pglite } = entry;
  if (pglite.closed) return false;
  try {
    await pglite.exec('ROLLBACK'); // a transaction a test left open (outside one, only a warning)
    await pglite.exec('DISCARD ALL'); // settings, prepared statements, temporary tables, advisory locks
    const { fingerprint } = (await pglite.query<{ fingerprint: string }>(SCHEMA_FINGERPRINT)).rows[0];
    if (fingerprint !== entry.fingerprint) return false;
    await pglite.transaction(async (tx) => {
      await tx.exec(`TRUNCATE ${entry.tables.join(', ')} RESTART IDENTITY CASCADE`);
      for (const { table, rows } of entry.seeds) await tx.query(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $1::json)`, [rows]);
      for (const { name, lastValue, isCalled } of entry.sequences) await tx.query(`SELECT setval('${name.replace(/'/g, "''")}', $1::bigint, $2)`, [lastValue, isCalled]);
    });
    return true;
  } catch {
    return false;
  }
}

const idle: PooledPglite[] = [];
/** Set once the test file's tests are done (see the afterAll below). */
let fileDone = false;

/** An idle database of this test file, reset to new, if there is one. */
export function takeIdle(): PooledPglite | undefined {
  return idle.pop();
}

/** Gives a database back: reset and kept for the next test, or closed. */
export async function giveBack(entry: PooledPglite): Promise<void> {
  if (!fileDone && (await reset(entry))) {
    idle.push(entry);
    return;
  }
  await discard(entry);
}

async function discard(entry: PooledPglite): Promise<void> {
  if (!entry.pglite.closed) await entry.pglite.close().catch(() => {});
}

// The test file is done: nobody will take these any more. This hook was declared when the helper
// was imported, before the test file's own, so it runs first: databases the file's own afterAll
// gives back later are closed at once (fileDone).
afterAll(async () => {
  fileDone = true;
  for (const entry of idle.splice(0)) await discard(entry);
});
