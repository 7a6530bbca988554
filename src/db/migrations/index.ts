/**
 * The ordered list of knex migrations. Listed in code (not read from a folder) so the same list runs
 * from TypeScript sources in tests and from compiled JavaScript in production.
 */
import type { Knex } from 'knex';
import * as initial from './001_initial';
import * as ocs from './002_ocs';
import * as oidc from './003_oidc';
import * as audit from './004_audit';
import * as rateLimits from './005_rate_limits';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [initial, ocs, oidc, audit, rateLimits];

export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration,
};
