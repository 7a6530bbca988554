/** OIDC providers and OIDC users (nmcuser-oidc §2.3), and the shared audit log. */
import type { Knex } from 'knex';
import { runStatements } from './runStatements';

export const name = '003_oidc';

export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, `
    CREATE TABLE oidc_providers (
      id serial PRIMARY KEY,
      identifier varchar(128) NOT NULL,
      client_id varchar(255) NOT NULL DEFAULT '',
      discovery_url varchar(2048) NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX oidc_providers_identifier_folded_unique ON oidc_providers ((lower(identifier)));
    ALTER TABLE users ADD COLUMN migrated boolean NOT NULL DEFAULT false;
    ALTER TABLE users ADD COLUMN oidc_provider_id integer NULL CONSTRAINT users_oidc_provider_id_foreign REFERENCES oidc_providers (id) ON DELETE SET NULL;
    ALTER TABLE users ADD COLUMN oidc_subject text NULL;
    ALTER TABLE users ADD COLUMN is_oidc_user boolean NOT NULL DEFAULT false;
    CREATE INDEX users_oidc_provider_id_index ON users (oidc_provider_id) WHERE oidc_provider_id IS NOT NULL;
    CREATE TABLE audit_events (
      id serial PRIMARY KEY,
      created_at bigint NOT NULL,
      action text NOT NULL,
      actor_username text NOT NULL,
      target_username text NULL,
      details jsonb NOT NULL DEFAULT '{}',
      request_id text NOT NULL,
      client_address text NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_events_created_at_index ON audit_events (created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, `
    DROP TABLE audit_events;
    DROP INDEX users_oidc_provider_id_index;
    ALTER TABLE users DROP COLUMN is_oidc_user;
    ALTER TABLE users DROP COLUMN oidc_subject;
    ALTER TABLE users DROP COLUMN oidc_provider_id;
    ALTER TABLE users DROP COLUMN migrated;
    DROP TABLE oidc_providers;
  `);
}
