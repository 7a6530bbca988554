/**
 * User profiles as the OCS adapter reads them (ocs-provisioning §2.1, §5.1): an explicit column
 * allow-list (never the password hash or tokens), lookups by path id, and the §5.4 list order.
 */
import type { Knex } from 'knex';
import type { AppRole } from '../../core/procedure';
import { hasNul, likeContains, toNumber } from './rows';

export interface UserProfile {
  id: number;
  username: string;
  name: string | null;
  email: string | null;
  role: AppRole;
  isActive: boolean;
  isLdapUser: boolean;
  /** Created through the nmcuser_oidc adapter: backend `user_oidc`. */
  isOidcUser: boolean;
  /** Unix seconds of the last successful authentication, 0 if never. */
  lastLogin: number;
  /** Stored quota: `none`, `default` or decimal bytes. */
  quota: string;
  language: string | null;
  phone: string;
  address: string;
  website: string;
  twitter: string;
}

const PROFILE_COLUMNS = [
  'users.id', 'users.username', 'users.name', 'users.email', 'users.role', 'users.is_active', 'users.is_ldap_user',
  'users.is_oidc_user', 'users.last_login', 'users.quota', 'users.language', 'users.phone', 'users.address', 'users.website', 'users.twitter',
] as const;

/** §5.4: case-folded byte order, then byte order; total and the same on every page. */
export const BY_FOLDED_USERNAME = 'lower(users.username) COLLATE "C", users.username COLLATE "C"';

type Row = Record<string, unknown>;

function toProfile(row: Row): UserProfile {
  return {
    id: toNumber(row.id),
    username: row.username as string,
    name: row.name as string | null,
    email: row.email as string | null,
    role: row.role as AppRole,
    isActive: row.is_active as boolean,
    isLdapUser: row.is_ldap_user as boolean,
    isOidcUser: row.is_oidc_user as boolean,
    lastLogin: toNumber(row.last_login),
    quota: row.quota as string,
    language: row.language as string | null,
    phone: row.phone as string,
    address: row.address as string,
    website: row.website as string,
    twitter: row.twitter as string,
  };
}

export async function findProfileById(db: Knex, id: number): Promise<UserProfile | null> {
  const row = await db('users').select(PROFILE_COLUMNS).where({ id }).first();
  return row ? toProfile(row) : null;
}

/**
 * The user a path id names (§2.1): an exact username match, else the one user whose username
 * matches case-insensitively; null when there is none or more than one.
 */
export async function findProfileByPathId(db: Knex, pathId: string): Promise<UserProfile | null> {
  if (hasNul(pathId)) return null;
  const exact = await db('users').select(PROFILE_COLUMNS).where({ username: pathId }).first();
  if (exact) return toProfile(exact);
  const folded = await db('users').select(PROFILE_COLUMNS).whereRaw('lower(username) = lower(?)', [pathId]).limit(2);
  return folded.length === 1 ? toProfile(folded[0]) : null;
}

/**
 * Serialises, until the transaction ends, creations of usernames that differ only in case: the
 * unique constraint is case-sensitive (JSON-RPC allows `Bob` beside `bob`), OCS creation is not.
 */
export async function lockFoldedUsername(db: Knex, username: string): Promise<void> {
  if (hasNul(username)) return;
  await db.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`roster.username:${username.toLowerCase()}`]);
}

/** Whether a username is taken, compared case-insensitively (OCS creation, §6.3 check 1). */
export async function usernameTakenFolded(db: Knex, username: string): Promise<boolean> {
  if (hasNul(username)) return false;
  return (await db('users').whereRaw('lower(username) = lower(?)', [username]).first('id')) !== undefined;
}

export interface ProfileFilter {
  /** Case-insensitive substring of username, name or email; `""` matches all. */
  search: string;
  /** Only members of the groups this user is subadmin of (their union, each user once). */
  subadminScopeOf?: number;
  /** Only members of this group. */
  memberOf?: number;
  /** Rows to skip, then rows to take (absent = all). */
  offset: number;
  limit?: number;
}

/** One page of profiles in §5.4 order: filter, sort, skip, take. */
export async function listProfiles(db: Knex, filter: ProfileFilter): Promise<UserProfile[]> {
  if (filter.limit === 0 || hasNul(filter.search)) return [];
  const query = db('users').select(PROFILE_COLUMNS).orderByRaw(BY_FOLDED_USERNAME);
  if (filter.search !== '') {
    const pattern = likeContains(filter.search);
    query.where((w) => {
      w.whereRaw(`users.username ILIKE ? ESCAPE '\\'`, [pattern])
        .orWhereRaw(`users.name ILIKE ? ESCAPE '\\'`, [pattern])
        .orWhereRaw(`users.email ILIKE ? ESCAPE '\\'`, [pattern]);
    });
  }
  if (filter.subadminScopeOf !== undefined) {
    query.whereIn(
      'users.id',
      db('group_has_users as m').join('group_subadmins as s', 's.group_id', 'm.group_id').where('s.user_id', filter.subadminScopeOf).select('m.user_id'),
    );
  }
  if (filter.memberOf !== undefined) {
    query.whereIn('users.id', db('group_has_users').where('group_id', filter.memberOf).select('user_id'));
  }
  if (filter.offset > 0) query.offset(filter.offset);
  if (filter.limit !== undefined) query.limit(filter.limit);
  return (await query).map(toProfile);
}

export interface ProfileChanges {
  name?: string | null;
  email?: string | null;
  language?: string | null;
  quota?: string;
  phone?: string;
  address?: string;
  website?: string;
  twitter?: string;
  password?: string | null;
}

/** Applies profile changes; returns false when the user does not exist. */
export async function updateProfile(db: Knex, id: number, changes: ProfileChanges): Promise<boolean> {
  if (Object.keys(changes).length === 0) return (await db('users').where({ id }).first('id')) !== undefined;
  const count = await db('users').where({ id }).update(changes);
  return toNumber(count) > 0;
}
