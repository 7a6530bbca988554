/**
 * The rate-limit budget (RATE_LIMIT_PER_MINUTE): one row per principal and window counting the calls
 * spent. A reservation is one statement that adds its units only if the sum stays within the limit,
 * so concurrent requests on any number of instances never spend more than the limit together.
 */
import type { Knex } from 'knex';

export interface Reservation {
  /** `app` or `user:<id>` (src/core/rateLimit.ts). */
  principalKey: string;
  /** Unix seconds at which the window starts. */
  windowStart: number;
  units: number;
  limit: number;
  /**
   * When set, windows that start before it are deleted in the same statement. Rows another
   * statement holds are skipped (SKIP LOCKED): the purge never waits, so it cannot deadlock.
   */
  purgeBefore?: number;
}

/**
 * Adds `units` to the principal's window when `used + units <= limit` (creating the row at
 * `units`); returns whether they fit. Refused units are not added. Callers check `units <= limit`.
 */
export async function reserveUnits(db: Knex, r: Reservation): Promise<boolean> {
  const purge =
    r.purgeBefore === undefined ? '' : (
      `WITH purged AS (
         DELETE FROM rate_limit_windows WHERE (principal_key, window_start) IN (
           SELECT principal_key, window_start FROM rate_limit_windows WHERE window_start < ? FOR UPDATE SKIP LOCKED))
       `
    );
  const bindings = r.purgeBefore === undefined ? [] : [r.purgeBefore];
  const result = await db.raw(
    `${purge}INSERT INTO rate_limit_windows AS w (principal_key, window_start, used) VALUES (?, ?, ?)
       ON CONFLICT (principal_key, window_start) DO UPDATE SET used = w.used + EXCLUDED.used
       WHERE w.used + EXCLUDED.used <= ?
       RETURNING used`,
    [...bindings, r.principalKey, r.windowStart, r.units, r.limit],
  );
  return (result.rows as unknown[]).length > 0;
}
