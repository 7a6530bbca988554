/**
 * Postgres errors are translated here, at the database boundary, by SQLSTATE and constraint name —
 * never by message text. Anything not listed becomes INTERNAL (logged by the dispatcher).
 */
import { AppError } from '../core/errors';

/** Unique constraints → the resource and field a duplicate violates. */
const UNIQUE: Record<string, { resource: string; field?: string }> = {
  users_username_unique: { resource: 'user', field: 'username' },
  groups_name_unique: { resource: 'group', field: 'name' },
  group_has_users_unique: { resource: 'group_member' },
  projects_identifier_unique: { resource: 'project', field: 'identifier' },
  projects_email_unique: { resource: 'project', field: 'email' },
  project_has_users_unique: { resource: 'project_user' },
  project_has_groups_unique: { resource: 'project_group' },
  app_passwords_token_hash_unique: { resource: 'app_password', field: 'token' },
};

// 22021: a NUL or other character the database cannot store inside a text value.
const INVALID_VALUE = new Set(['23502', '22001', '22P02', '22003', '23514', '22021']);

interface PgLikeError {
  code?: unknown;
  constraint?: unknown;
}

function resourceOfForeignKey(constraint: string): string | undefined {
  const match = /_(user|group|project|creator)_id_foreign$/.exec(constraint);
  if (!match) return undefined;
  return match[1] === 'creator' ? 'user' : match[1];
}

/** Returns the AppError for a database error, or null when it is not a known database error. */
export function translateDbError(error: unknown): AppError | null {
  if (!error || typeof error !== 'object') return null;
  const { code, constraint } = error as PgLikeError;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return null;
  const name = typeof constraint === 'string' ? constraint : '';
  if (code === '23505') return new AppError('ALREADY_EXISTS', UNIQUE[name] ?? {});
  if (code === '23503') {
    const resource = resourceOfForeignKey(name);
    return new AppError('NOT_FOUND', resource ? { resource } : {});
  }
  if (INVALID_VALUE.has(code)) return new AppError('INVALID_PARAMS', { errors: [] });
  return null;
}
