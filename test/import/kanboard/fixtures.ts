/**
 * Kanboard source databases for the import tests: a faithful subset of Kanboard's latest schema
 * (app/Schema/Sqlite.php and app/Schema/Postgres.php, schema versions 125 and 117) for the six
 * tables the import reads, with the columns Kanboard really has — including those Roster ignores
 * (`token`, `is_admin`, `is_owner`, `default_swimlane`, …) — written as SQLite files (sql.js) or
 * into a fresh Postgres database.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcrypt';
import { Client } from 'pg';
import initSqlJs from 'sql.js';

/**
 * PHP's password_hash('admin', PASSWORD_BCRYPT) as shipped by Kanboard in app/Schema/Sql/postgres.sql
 * for its default `admin` / `admin` account: a real `$2y$` hash written by PHP.
 */
export const PHP_ADMIN_HASH = '$2y$10$j/bvk6WblIHAyAJEBXLgBeoOjJ1oHsuA0VTUf85lRYOJ4czssCuI6';
export const PHP_ADMIN_PASSWORD = 'admin';

/** What PHP's password_hash writes: bcrypt with the `$2y$` prefix (the same algorithm as `$2b$`). */
export function phpHash(password: string): string {
  return bcrypt.hashSync(password, 4).replace(/^\$2b\$/, '$2y$');
}

type Value = string | number | boolean | null;
export type Rows = Record<string, Value>[];

export interface KanboardDataset {
  users: Rows;
  groups: Rows;
  group_has_users: Rows;
  projects: Rows;
  project_has_users: Rows;
  project_has_groups: Rows;
}

/** Kanboard's SQLite schema (Sqlite.php up to version 125: `theme`); column order as the migrations left it. */
export const SQLITE_SCHEMA = `
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    password TEXT,
    is_admin INTEGER DEFAULT 0,
    is_ldap_user INTEGER DEFAULT 0,
    name TEXT,
    email TEXT,
    google_id TEXT,
    github_id TEXT,
    notifications_enabled INTEGER DEFAULT '0',
    timezone TEXT,
    language TEXT,
    disable_login_form INTEGER DEFAULT 0,
    twofactor_activated INTEGER DEFAULT 0,
    twofactor_secret TEXT,
    token TEXT DEFAULT '',
    notifications_filter INTEGER DEFAULT 4,
    nb_failed_login INTEGER DEFAULT 0,
    lock_expiration_date INTEGER DEFAULT 0,
    is_project_admin INTEGER DEFAULT 0,
    gitlab_id INTEGER,
    role TEXT NOT NULL DEFAULT 'app-user',
    is_active INTEGER DEFAULT 1,
    avatar_path TEXT,
    api_access_token VARCHAR(255) DEFAULT NULL,
    filter TEXT,
    theme TEXT DEFAULT 'light' NOT NULL
  );
  CREATE UNIQUE INDEX users_username_idx ON users(username);
  CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    name TEXT NOCASE NOT NULL,
    is_active INTEGER DEFAULT 1,
    token TEXT,
    last_modified INTEGER DEFAULT 0,
    is_public INTEGER DEFAULT "0",
    is_private INTEGER DEFAULT "0",
    is_everybody_allowed INTEGER DEFAULT "0",
    default_swimlane TEXT DEFAULT 'Default swimlane',
    show_default_swimlane INTEGER DEFAULT 1,
    description TEXT,
    identifier TEXT DEFAULT '',
    start_date TEXT DEFAULT '',
    end_date TEXT DEFAULT '',
    owner_id INTEGER DEFAULT 0,
    priority_default INTEGER DEFAULT 0,
    priority_start INTEGER DEFAULT 0,
    priority_end INTEGER DEFAULT 3,
    email TEXT,
    predefined_email_subjects TEXT,
    per_swimlane_task_limits INTEGER DEFAULT 0 NOT NULL,
    task_limit INTEGER DEFAULT 0,
    enable_global_tags INTEGER DEFAULT 1 NOT NULL
  );
  CREATE TABLE project_has_users (
    project_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    is_owner INTEGER DEFAULT "0",
    role TEXT NOT NULL DEFAULT 'project-viewer',
    FOREIGN KEY(project_id) REFERENCES projects(id) ON DELETE CASCADE,
    FOREIGN KEY(user_id) REFERENCES users(id) ON DELETE CASCADE,
    UNIQUE(project_id, user_id)
  );
  CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    external_id TEXT DEFAULT '',
    name TEXT NOCASE NOT NULL UNIQUE
  );
  CREATE TABLE group_has_users (
    group_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    FOREIGN KEY(group_id) REFERENCES groups(id) ON DELETE CASCADE,
    FOREIGN KEY(user_id) REFERENCES users(id) ON DELETE CASCADE,
    UNIQUE(group_id, user_id)
  );
  CREATE TABLE project_has_groups (
    group_id INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    role TEXT NOT NULL,
    FOREIGN KEY(group_id) REFERENCES groups(id) ON DELETE CASCADE,
    FOREIGN KEY(project_id) REFERENCES projects(id) ON DELETE CASCADE,
    UNIQUE(group_id, project_id)
  );
  CREATE TABLE settings (option TEXT PRIMARY KEY, value TEXT DEFAULT '', changed_by INTEGER DEFAULT 0 NOT NULL, changed_on INTEGER DEFAULT 0 NOT NULL);
  PRAGMA user_version = 125;
`;

/** Kanboard's Postgres schema (Postgres.php up to version 117) for the same tables. */
export const POSTGRES_SCHEMA = `
  CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    password VARCHAR(255),
    is_ldap_user BOOLEAN DEFAULT FALSE,
    name VARCHAR(255),
    email VARCHAR(255),
    google_id VARCHAR(255),
    github_id VARCHAR(30),
    notifications_enabled BOOLEAN DEFAULT FALSE,
    timezone VARCHAR(50),
    language VARCHAR(11),
    disable_login_form BOOLEAN DEFAULT FALSE,
    twofactor_activated BOOLEAN DEFAULT FALSE,
    twofactor_secret CHAR(16),
    token VARCHAR(255) DEFAULT '',
    notifications_filter INTEGER DEFAULT 4,
    nb_failed_login INTEGER DEFAULT 0,
    lock_expiration_date BIGINT DEFAULT 0,
    gitlab_id INTEGER,
    role VARCHAR(25) NOT NULL DEFAULT 'app-user',
    is_active BOOLEAN DEFAULT TRUE,
    avatar_path VARCHAR(255),
    api_access_token VARCHAR(255) DEFAULT NULL,
    filter TEXT DEFAULT NULL,
    theme TEXT DEFAULT 'light' NOT NULL
  );
  CREATE UNIQUE INDEX users_username_idx ON users(username);
  CREATE TABLE projects (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    is_active BOOLEAN DEFAULT TRUE,
    token VARCHAR(255),
    last_modified BIGINT DEFAULT 0,
    is_public BOOLEAN DEFAULT FALSE,
    is_private BOOLEAN DEFAULT FALSE,
    description TEXT,
    identifier VARCHAR(50) DEFAULT '',
    start_date VARCHAR(10) DEFAULT '',
    end_date VARCHAR(10) DEFAULT '',
    owner_id INTEGER DEFAULT 0,
    priority_default INTEGER DEFAULT 0,
    priority_start INTEGER DEFAULT 0,
    priority_end INTEGER DEFAULT 3,
    email TEXT,
    predefined_email_subjects TEXT,
    per_swimlane_task_limits BOOLEAN DEFAULT FALSE,
    task_limit INTEGER DEFAULT 0,
    enable_global_tags BOOLEAN DEFAULT TRUE
  );
  CREATE TABLE project_has_users (
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role VARCHAR(255) NOT NULL DEFAULT 'project-viewer',
    UNIQUE(project_id, user_id)
  );
  CREATE TABLE groups (
    id SERIAL PRIMARY KEY,
    external_id VARCHAR(255) DEFAULT '',
    name TEXT NOT NULL UNIQUE
  );
  CREATE TABLE group_has_users (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    UNIQUE(group_id, user_id)
  );
  CREATE TABLE project_has_groups (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    role VARCHAR(255) NOT NULL,
    UNIQUE(group_id, project_id)
  );
  CREATE TABLE settings ("option" VARCHAR(100) PRIMARY KEY, value TEXT DEFAULT '', changed_by INTEGER DEFAULT 0 NOT NULL, changed_on INTEGER DEFAULT 0 NOT NULL);
  CREATE TABLE schema_version (version INTEGER DEFAULT 0);
  INSERT INTO schema_version VALUES (117);
`;

const TABLE_ORDER = ['users', 'groups', 'group_has_users', 'projects', 'project_has_users', 'project_has_groups'] as const;

/** Passwords of the fixture users (Kanboard stored them as PHP `$2y$` hashes). */
export const PASSWORDS: Record<string, string> = {
  admin: PHP_ADMIN_PASSWORD,
  alice: 'alice-pw-1',
  bob: 'bob-pw-1',
  carol: 'carol-pw-1',
  dave: 'dave-pw-1',
};

/** The personal API token Kanboard shows alice (stored in plain text by Kanboard). */
export const ALICE_TOKEN = 'kanboard-token-of-alice-0123456789';

/** A Kanboard with an admin, managers, an inactive user, an LDAP user, a 2FA user, groups, projects and grants. */
export function standardDataset(): KanboardDataset {
  return {
    users: [
      { id: 1, username: 'admin', password: PHP_ADMIN_HASH, role: 'app-admin', name: null, email: null },
      {
        id: 2,
        username: 'alice',
        password: phpHash(PASSWORDS.alice),
        role: 'app-manager',
        name: 'Alice Liddell',
        email: 'alice@example.com',
        timezone: 'Europe/Berlin',
        language: 'de_DE',
        notifications_enabled: true,
        github_id: 'alice-gh',
        api_access_token: ALICE_TOKEN,
        filter: 'status:open',
        theme: 'dark',
        token: 'feed-token-of-alice',
      },
      { id: 3, username: 'bob', password: phpHash(PASSWORDS.bob), role: 'app-user', name: 'Bob', email: '' },
      { id: 4, username: 'carol', password: phpHash(PASSWORDS.carol), role: 'app-user', name: 'Carol', email: 'carol@example.com', is_active: false },
      { id: 5, username: 'ldapuser', password: null, role: 'app-user', name: 'Lee Dap', email: 'ldap@example.com', is_ldap_user: true },
      {
        id: 7,
        username: 'dave',
        password: phpHash(PASSWORDS.dave),
        role: 'app-user',
        name: 'Dave',
        email: 'dave@example.com',
        twofactor_activated: true,
        twofactor_secret: 'ABCDEFGHIJKLMNOP',
      },
    ],
    groups: [
      { id: 1, name: 'Developers', external_id: 'cn=developers,ou=groups,dc=example,dc=com' },
      { id: 2, name: 'Managers', external_id: '' },
    ],
    group_has_users: [
      { group_id: 1, user_id: 2 },
      { group_id: 1, user_id: 3 },
      { group_id: 2, user_id: 2 },
      { group_id: 2, user_id: 7 },
    ],
    projects: [
      {
        id: 1,
        name: 'Website',
        identifier: 'WEB',
        description: 'The public site',
        owner_id: 2,
        is_public: true,
        token: 'f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccdd',
        email: 'web@example.com',
        start_date: '2024-01-01',
        end_date: '2024-12-31',
        last_modified: 1700000000,
        priority_end: 5,
      },
      { id: 2, name: 'Internal', identifier: '', description: null, owner_id: 0, is_active: false, token: '', last_modified: 1700000100 },
      { id: 3, name: 'Alice private', identifier: '', owner_id: 2, is_private: true, token: '', last_modified: 1700000200 },
      { id: 5, name: 'Orphan owner', identifier: 'ORPHAN', owner_id: 99, token: '', last_modified: 1700000300 },
    ],
    project_has_users: [
      { project_id: 1, user_id: 2, role: 'project-manager' },
      { project_id: 1, user_id: 3, role: 'project-member' },
      { project_id: 2, user_id: 3, role: 'Reviewer' },
      { project_id: 2, user_id: 4, role: 'project-viewer' },
      { project_id: 3, user_id: 2, role: 'project-manager' },
    ],
    project_has_groups: [
      { group_id: 1, project_id: 2, role: 'project-member' },
      { group_id: 2, project_id: 1, role: 'project-viewer' },
    ],
  };
}

function sqliteValue(value: Value): string | number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** Writes a Kanboard SQLite file (Kanboard's schema, or `schema` instead) and returns its path. */
export async function createKanboardSqlite(dataset: KanboardDataset, schema = SQLITE_SCHEMA): Promise<string> {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.exec(schema);
  for (const table of TABLE_ORDER) {
    for (const row of dataset[table] ?? []) {
      const columns = Object.keys(row);
      db.run(
        `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
        columns.map((c) => sqliteValue(row[c])),
      );
    }
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'roster-kanboard-')), 'db.sqlite');
  fs.writeFileSync(file, Buffer.from(db.export()));
  db.close();
  return file;
}

export function removeSqlite(file: string): void {
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

/** The Postgres server the tests may use for Kanboard source databases (null when none answers). */
export async function kanboardPostgresServer(): Promise<string | null> {
  const url = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return url;
  } catch {
    if (process.env.CI) throw new Error(`CI requires Postgres, but ${url} does not answer`);
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface KanboardPostgres {
  url: string;
  drop(): Promise<void>;
}

/** Creates a fresh Postgres database holding a Kanboard (Kanboard's schema, or `schema` instead). */
export async function createKanboardPostgres(serverUrl: string, dataset: KanboardDataset, schema = POSTGRES_SCHEMA): Promise<KanboardPostgres> {
  const name = `kanboard_src_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  await admin.end();
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const drop = async () => {
    const c = new Client({ connectionString: serverUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  };
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(schema);
    for (const table of TABLE_ORDER) {
      for (const row of dataset[table] ?? []) {
        const columns = Object.keys(row);
        await client.query(
          `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
          columns.map((c) => row[c]),
        );
      }
    }
    // explicit ids (as in a real Kanboard) leave the sequences behind; Kanboard would continue after them
    for (const table of ['users', 'groups', 'projects']) {
      if (!(await client.query('SELECT to_regclass($1) AS t', [table])).rows[0].t) continue;
      await client.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), COALESCE((SELECT max(id) FROM ${table}), 0) + 1, false)`);
    }
  } catch (error) {
    await client.end();
    await drop();
    throw error;
  }
  await client.end();
  return { url, drop };
}
