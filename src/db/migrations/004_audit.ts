/**
 * The audit log records every mutation (issue 8): which surface and procedure or route made it, and
 * a generic target besides the target username; indexes for getAuditLog's filters.
 */
import type { Knex } from 'knex';
import { runStatements } from './runStatements';

export const name = '004_audit';

export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, `
    ALTER TABLE audit_events ADD COLUMN surface text NOT NULL DEFAULT '';
    ALTER TABLE audit_events ADD COLUMN procedure text NOT NULL DEFAULT '';
    ALTER TABLE audit_events ADD COLUMN route text NOT NULL DEFAULT '';
    ALTER TABLE audit_events ADD COLUMN target text NOT NULL DEFAULT '';
    CREATE INDEX audit_events_actor_username_index ON audit_events (actor_username, id);
    CREATE INDEX audit_events_target_username_index ON audit_events (target_username, id);
    CREATE INDEX audit_events_action_index ON audit_events (action, id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, `
    DROP INDEX audit_events_action_index;
    DROP INDEX audit_events_target_username_index;
    DROP INDEX audit_events_actor_username_index;
    ALTER TABLE audit_events DROP COLUMN target;
    ALTER TABLE audit_events DROP COLUMN route;
    ALTER TABLE audit_events DROP COLUMN procedure;
    ALTER TABLE audit_events DROP COLUMN surface;
  `);
}
