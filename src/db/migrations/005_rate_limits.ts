/**
 * The per-principal call budget of RATE_LIMIT_PER_MINUTE (issue 8): one row per principal and
 * minute window, shared by every instance on the database. Rows of past windows are deleted as the
 * limiter goes (src/db/repositories/rateLimits.ts), so the table stays at about one row per active
 * principal.
 */
import type { Knex } from 'knex';
import { runStatements } from './runStatements';

export const name = '005_rate_limits';

export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, `
    CREATE TABLE rate_limit_windows (
      principal_key text NOT NULL,
      window_start bigint NOT NULL,
      used integer NOT NULL,
      PRIMARY KEY (principal_key, window_start)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, `
    DROP TABLE rate_limit_windows;
  `);
}
