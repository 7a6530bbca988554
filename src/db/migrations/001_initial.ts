/** The Kanboard-shaped core schema (JSON-RPC contract §10), the app-password store and settings. */
import type { Knex } from 'knex';
import { runStatements } from './runStatements';

export const name = '001_initial';

export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, `
    CREATE TABLE users (
      id serial PRIMARY KEY,
      username text NOT NULL,
      password text NULL,
      is_ldap_user boolean NOT NULL DEFAULT false,
      name varchar(255) NULL,
      email varchar(255) NULL,
      google_id varchar(255) NULL,
      github_id varchar(30) NULL,
      notifications_enabled boolean NOT NULL DEFAULT false,
      timezone varchar(50) NULL,
      language varchar(11) NULL,
      disable_login_form boolean NOT NULL DEFAULT false,
      twofactor_activated boolean NOT NULL DEFAULT false,
      twofactor_secret varchar(16) NULL,
      notifications_filter integer NOT NULL DEFAULT 4,
      nb_failed_login integer NOT NULL DEFAULT 0,
      lock_expiration_date bigint NOT NULL DEFAULT 0,
      gitlab_id integer NULL,
      role varchar(25) NOT NULL DEFAULT 'app-user',
      is_active boolean NOT NULL DEFAULT true,
      avatar_path varchar(255) NULL,
      api_access_token varchar(64) NULL,
      filter text NULL,
      theme text NOT NULL DEFAULT 'light',
      last_login bigint NOT NULL DEFAULT 0,
      CONSTRAINT users_username_unique UNIQUE (username),
      CONSTRAINT users_role_check CHECK (role IN ('app-admin', 'app-manager', 'app-user'))
    );
    CREATE TABLE groups (
      id serial PRIMARY KEY,
      name text NOT NULL,
      external_id varchar(255) NOT NULL DEFAULT '',
      CONSTRAINT groups_name_unique UNIQUE (name)
    );
    CREATE TABLE group_has_users (
      group_id integer NOT NULL CONSTRAINT group_has_users_group_id_foreign REFERENCES groups (id) ON DELETE CASCADE,
      user_id integer NOT NULL CONSTRAINT group_has_users_user_id_foreign REFERENCES users (id) ON DELETE CASCADE,
      CONSTRAINT group_has_users_unique UNIQUE (group_id, user_id)
    );
    CREATE INDEX group_has_users_user_id_index ON group_has_users (user_id);
    CREATE TABLE projects (
      id serial PRIMARY KEY,
      name text NOT NULL,
      is_active boolean NOT NULL DEFAULT true,
      token varchar(255) NOT NULL DEFAULT '',
      last_modified bigint NOT NULL DEFAULT 0,
      is_public boolean NOT NULL DEFAULT false,
      is_private boolean NOT NULL DEFAULT false,
      description text NULL,
      identifier varchar(50) NOT NULL DEFAULT '',
      start_date varchar(10) NOT NULL DEFAULT '',
      end_date varchar(10) NOT NULL DEFAULT '',
      owner_id integer NOT NULL DEFAULT 0,
      priority_default integer NOT NULL DEFAULT 0,
      priority_start integer NOT NULL DEFAULT 0,
      priority_end integer NOT NULL DEFAULT 3,
      email text NULL,
      predefined_email_subjects text NULL,
      per_swimlane_task_limits boolean NOT NULL DEFAULT false,
      task_limit integer NOT NULL DEFAULT 0,
      enable_global_tags boolean NOT NULL DEFAULT true
    );
    CREATE UNIQUE INDEX projects_identifier_unique ON projects (identifier) WHERE identifier <> '';
    CREATE UNIQUE INDEX projects_email_unique ON projects (email) WHERE email IS NOT NULL AND email <> '';
    CREATE INDEX projects_owner_id_index ON projects (owner_id);
    CREATE TABLE project_has_users (
      project_id integer NOT NULL CONSTRAINT project_has_users_project_id_foreign REFERENCES projects (id) ON DELETE CASCADE,
      user_id integer NOT NULL CONSTRAINT project_has_users_user_id_foreign REFERENCES users (id) ON DELETE CASCADE,
      role varchar(191) NOT NULL CHECK (role <> ''),
      CONSTRAINT project_has_users_unique UNIQUE (project_id, user_id)
    );
    CREATE INDEX project_has_users_user_id_index ON project_has_users (user_id);
    CREATE TABLE project_has_groups (
      group_id integer NOT NULL CONSTRAINT project_has_groups_group_id_foreign REFERENCES groups (id) ON DELETE CASCADE,
      project_id integer NOT NULL CONSTRAINT project_has_groups_project_id_foreign REFERENCES projects (id) ON DELETE CASCADE,
      role varchar(191) NOT NULL CHECK (role <> ''),
      CONSTRAINT project_has_groups_unique UNIQUE (group_id, project_id)
    );
    CREATE INDEX project_has_groups_project_id_index ON project_has_groups (project_id);
    CREATE TABLE project_activities (
      id serial PRIMARY KEY,
      date_creation bigint NOT NULL,
      event_name text NOT NULL,
      creator_id integer NULL CONSTRAINT project_activities_creator_id_foreign REFERENCES users (id) ON DELETE SET NULL,
      project_id integer NOT NULL CONSTRAINT project_activities_project_id_foreign REFERENCES projects (id) ON DELETE CASCADE,
      author_username text NOT NULL,
      author_name text NULL,
      data jsonb NOT NULL
    );
    CREATE INDEX project_activities_project_id_id_index ON project_activities (project_id, id DESC);
    CREATE TABLE app_passwords (
      id serial PRIMARY KEY,
      user_id integer NOT NULL CONSTRAINT app_passwords_user_id_foreign REFERENCES users (id) ON DELETE CASCADE,
      name varchar(64) NOT NULL,
      token_hash char(64) NOT NULL,
      created_at bigint NOT NULL,
      created_by text NULL,
      revoked_at bigint NULL,
      CONSTRAINT app_passwords_token_hash_unique UNIQUE (token_hash)
    );
    CREATE INDEX app_passwords_user_id_index ON app_passwords (user_id);
    CREATE TABLE settings (
      key varchar(64) PRIMARY KEY,
      value text NOT NULL,
      updated_at bigint NOT NULL
    );
    INSERT INTO groups (name) VALUES ('admin');
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, `
    DROP TABLE settings;
    DROP TABLE app_passwords;
    DROP TABLE project_activities;
    DROP TABLE project_has_groups;
    DROP TABLE project_has_users;
    DROP TABLE projects;
    DROP TABLE group_has_users;
    DROP TABLE groups;
    DROP TABLE users;
  `);
}
