/** What the OCS Provisioning adapter adds (ocs-provisioning §2.4): profile fields, quota, group display names, subadmins, component state. */
import type { Knex } from 'knex';
import { runStatements } from './runStatements';

export const name = '002_ocs';

export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, `
    ALTER TABLE users ADD COLUMN quota text NOT NULL DEFAULT 'default';
    ALTER TABLE users ADD COLUMN phone varchar(255) NOT NULL DEFAULT '';
    ALTER TABLE users ADD COLUMN address varchar(255) NOT NULL DEFAULT '';
    ALTER TABLE users ADD COLUMN website varchar(255) NOT NULL DEFAULT '';
    ALTER TABLE users ADD COLUMN twitter varchar(255) NOT NULL DEFAULT '';
    CREATE INDEX users_username_folded_index ON users ((lower(username) COLLATE "C"), (username COLLATE "C"));
    ALTER TABLE groups ADD COLUMN display_name varchar(255) NULL;
    CREATE TABLE group_subadmins (
      user_id integer NOT NULL CONSTRAINT group_subadmins_user_id_foreign REFERENCES users (id) ON DELETE CASCADE,
      group_id integer NOT NULL CONSTRAINT group_subadmins_group_id_foreign REFERENCES groups (id) ON DELETE CASCADE,
      CONSTRAINT group_subadmins_unique UNIQUE (user_id, group_id)
    );
    CREATE INDEX group_subadmins_group_id_index ON group_subadmins (group_id);
    CREATE TABLE app_state (
      app_id varchar(64) PRIMARY KEY,
      enabled boolean NOT NULL,
      updated_at bigint NOT NULL
    );
    INSERT INTO group_has_users (group_id, user_id)
      SELECT g.id, u.id FROM users u CROSS JOIN groups g
       WHERE g.name = 'admin' AND u.role = 'app-admin'
      ON CONFLICT DO NOTHING;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, `
    DROP TABLE app_state;
    DROP TABLE group_subadmins;
    ALTER TABLE groups DROP COLUMN display_name;
    DROP INDEX users_username_folded_index;
    ALTER TABLE users DROP COLUMN twitter;
    ALTER TABLE users DROP COLUMN website;
    ALTER TABLE users DROP COLUMN address;
    ALTER TABLE users DROP COLUMN phone;
    ALTER TABLE users DROP COLUMN quota;
  `);
}
