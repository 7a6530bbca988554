/**
 * A digest of the application's data: one md5 per table over its rows as JSON, in one query.
 * Left out: the migrations' bookkeeping, the audit log (accepted calls append to it), the rate
 * limiter's windows (every authenticated request counts), and the login
 * bookkeeping columns of `users` (a refused password counts a failure, a login stamps last_login),
 * which authentication writes by design whatever the call then does.
 */
import type { Knex } from 'knex';

const SKIPPED_TABLES = new Set(['knex_migrations', 'knex_migrations_lock', 'audit_events', 'rate_limit_windows']);
const SKIPPED_COLUMNS = ['nb_failed_login', 'lock_expiration_date', 'last_login'];

export type Digest = Record<string, string>;

/** Builds the digest function once the tables are known. */
export async function databaseDigester(knex: Knex): Promise<() => Promise<Digest>> {
  const result = await knex.raw(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const tables = (result.rows as { table_name: string }[]).map((r) => r.table_name).filter((name) => !SKIPPED_TABLES.has(name) && /^[a-z_0-9]+$/.test(name));
  const skipped = `'{${SKIPPED_COLUMNS.join(',')}}'::text[]`;
  const sql = tables
    .map((table) => `SELECT '${table}' AS t, md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) AS d FROM (SELECT (to_jsonb(x) - ${skipped})::text AS r FROM "${table}" x) s`)
    .join(' UNION ALL ');
  // Every committed change writes WAL: while the WAL position stands still, the last digest holds
  // (a cheap query instead of reading every table after each of thousands of refused requests).
  let last: { lsn: string; digest: Digest } | undefined;
  return async () => {
    const lsn = ((await knex.raw('SELECT pg_current_wal_lsn()::text AS lsn')).rows as { lsn: string }[])[0].lsn;
    if (last?.lsn === lsn) return last.digest;
    const rows = (await knex.raw(sql)).rows as { t: string; d: string }[];
    last = { lsn, digest: Object.fromEntries(rows.map((row) => [row.t, row.d])) };
    return last.digest;
  };
}

/** The tables whose digests differ. */
export function changedTables(before: Digest, after: Digest): string[] {
  return Object.keys({ ...before, ...after }).filter((table) => before[table] !== after[table]);
}
