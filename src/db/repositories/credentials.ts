/**
 * What authentication reads and writes: one query that finds a user by exact username together with
 * whether the presented secret's SHA-256 matches its personal token or an unrevoked app password,
 * and the atomic lockout counter (state in the database, so every instance agrees).
 */
import type { Knex } from 'knex';
import type { AppRole } from '../../core/procedure';
import { hotRows, hotStatement } from '../hotRead';
import { hasNul, toNumber } from './rows';

export interface CredentialUser {
  id: number;
  username: string;
  role: AppRole;
  passwordHash: string | null;
  /** Created by createLdapUser: its password is checked by the LDAP directory, never against a hash. */
  isLdapUser: boolean;
  isActive: boolean;
  twofactorActivated: boolean;
  nbFailedLogin: number;
  lockExpirationDate: number;
  lastLogin: number;
  tokenMatches: boolean;
  appPasswordMatches: boolean;
}

/**
 * Every request with user credentials runs it: a hot read (../hotRead.ts), the row as one JSON
 * column (node-postgres's per-column work on every result costs more than the read itself).
 */
const CREDENTIAL_USER = hotStatement(
  `SELECT json_build_object(
            'id', u.id, 'username', u.username, 'role', u.role, 'password', u.password, 'is_ldap_user', u.is_ldap_user,
            'is_active', u.is_active, 'twofactor_activated', u.twofactor_activated, 'nb_failed_login', u.nb_failed_login,
            'lock_expiration_date', u.lock_expiration_date, 'last_login', u.last_login,
            'token_matches', (u.api_access_token IS NOT NULL AND u.api_access_token = ?),
            'app_password_matches', EXISTS (SELECT 1 FROM app_passwords a WHERE a.user_id = u.id AND a.token_hash = ? AND a.revoked_at IS NULL)
          ) AS "user"
     FROM users u WHERE u.username = ?`,
);

export async function findCredentialUser(db: Knex, username: string, secretSha256: string): Promise<CredentialUser | null> {
  if (hasNul(username)) return null; // no stored username holds a NUL (and Postgres refuses it as a parameter)
  const [found] = await hotRows<{ user: Record<string, unknown> }>(db, CREDENTIAL_USER, [secretSha256, secretSha256, username]);
  if (!found) return null;
  const row = found.user;
  return {
    id: toNumber(row.id),
    username: row.username as string,
    role: row.role as AppRole,
    passwordHash: row.password as string | null,
    isLdapUser: row.is_ldap_user as boolean,
    isActive: row.is_active as boolean,
    twofactorActivated: row.twofactor_activated as boolean,
    nbFailedLogin: toNumber(row.nb_failed_login),
    lockExpirationDate: toNumber(row.lock_expiration_date),
    lastLogin: toNumber(row.last_login),
    tokenMatches: row.token_matches as boolean,
    appPasswordMatches: row.app_password_matches as boolean,
  };
}

/**
 * Counts one failure and locks until `now + lockSeconds` once the count exceeds `threshold`; returns
 * whether it counted. A failure is not counted while the account is locked (§4.4), and that is
 * decided here, on the row as it is when the update runs, not as the request read it: concurrent
 * wrong passwords (on any instance) that all read the row before the lock stop counting at the lock,
 * so the counter ends at threshold + 1 however many were in flight.
 */
export async function recordFailedLogin(db: Knex, userId: number, now: number, threshold: number, lockSeconds: number): Promise<boolean> {
  const result = await db.raw(
    `UPDATE users SET nb_failed_login = nb_failed_login + 1,
            lock_expiration_date = CASE WHEN nb_failed_login + 1 > ? THEN ? ELSE lock_expiration_date END
      WHERE id = ? AND lock_expiration_date < ? RETURNING nb_failed_login`,
    [threshold, now + lockSeconds, userId, now],
  );
  return (result.rows as unknown[]).length > 0;
}

/**
 * Records a successful login: resets the failure counter and the lock and refreshes last_login (at
 * most once a minute) — unless the account is locked now, on the row as it is when the update runs.
 * Returns false then: a lock that concurrent failures set while this request checked its secret
 * (a bcrypt run or a directory bind takes long enough) must refuse it, not be cleared by it.
 */
export async function recordSuccessfulLogin(db: Knex, userId: number, now: number): Promise<boolean> {
  const result = await db.raw(
    `UPDATE users SET nb_failed_login = 0, lock_expiration_date = 0,
            last_login = CASE WHEN last_login <= ? THEN ? ELSE last_login END
      WHERE id = ? AND lock_expiration_date < ? RETURNING id`,
    [now - 60, now, userId, now],
  );
  return (result.rows as unknown[]).length > 0;
}
