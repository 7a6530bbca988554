/**
 * OIDC users (nmcuser-oidc §2.1): ordinary users linked to a provider, with `migrated` and the
 * identity provider's username (`oidc_subject`). An explicit column allow-list, never secrets.
 */
import type { Knex } from 'knex';
import { hasNul, likeContains, toNumber } from './rows';
import { BY_FOLDED_USERNAME } from './profiles';

export interface OidcUser {
  id: number;
  username: string;
  name: string | null;
  email: string | null;
  /** The OCS `address` field, shown here as `altemail`. */
  address: string;
  quota: string;
  isActive: boolean;
  migrated: boolean;
}

const COLUMNS = ['users.id', 'users.username', 'users.name', 'users.email', 'users.address', 'users.quota', 'users.is_active', 'users.migrated'] as const;

function toOidcUser(row: Record<string, unknown>): OidcUser {
  return {
    id: toNumber(row.id),
    username: row.username as string,
    name: row.name as string | null,
    email: row.email as string | null,
    address: row.address as string,
    quota: row.quota as string,
    isActive: row.is_active as boolean,
    migrated: row.migrated as boolean,
  };
}

/** The user with this exact username, only when it is linked to the provider. */
export async function findLinkedUser(db: Knex, providerId: number, username: string): Promise<OidcUser | null> {
  if (hasNul(username)) return null;
  const row = await db('users').select(COLUMNS).where({ username, oidc_provider_id: providerId }).first();
  return row ? toOidcUser(row) : null;
}

/** Whether any account (OIDC, local or LDAP) has this exact username. */
export async function accountExists(db: Knex, username: string): Promise<boolean> {
  if (hasNul(username)) return false;
  return (await db('users').where({ username }).first('id')) !== undefined;
}

export interface OidcUserFilter {
  /** Case-insensitive substring of username, oidc_subject, name or email; `""` = all. */
  pattern: string;
  offset: number;
  limit?: number;
}

/** The provider's usernames in §6.1 order, filtered, then paged. */
export async function listLinkedUsernames(db: Knex, providerId: number, filter: OidcUserFilter): Promise<string[]> {
  if (filter.limit === 0 || hasNul(filter.pattern)) return [];
  const query = db('users').select('users.username').where('users.oidc_provider_id', providerId).orderByRaw(BY_FOLDED_USERNAME);
  if (filter.pattern !== '') {
    const pattern = likeContains(filter.pattern);
    query.where((w) => {
      w.whereRaw(`users.username ILIKE ? ESCAPE '\\'`, [pattern])
        .orWhereRaw(`users.oidc_subject ILIKE ? ESCAPE '\\'`, [pattern])
        .orWhereRaw(`users.name ILIKE ? ESCAPE '\\'`, [pattern])
        .orWhereRaw(`users.email ILIKE ? ESCAPE '\\'`, [pattern]);
    });
  }
  if (filter.offset > 0) query.offset(filter.offset);
  if (filter.limit !== undefined) query.limit(filter.limit);
  return (await query).map((row: { username: string }) => row.username);
}

export interface NewOidcUser {
  username: string;
  subject: string;
  providerId: number;
  name: string;
  email: string;
  address: string;
  quota: string;
  isActive: boolean;
  migrated: boolean;
}

/** Creates the account: no password, role app-user, backend user_oidc, linked to its provider. */
export async function insertOidcUser(db: Knex, user: NewOidcUser): Promise<number> {
  const [row] = await db('users')
    .insert({
      username: user.username,
      password: null,
      name: user.name,
      email: user.email,
      address: user.address,
      quota: user.quota,
      is_active: user.isActive,
      migrated: user.migrated,
      role: 'app-user',
      is_oidc_user: true,
      oidc_provider_id: user.providerId,
      oidc_subject: user.subject,
    })
    .returning('id');
  return toNumber(row.id);
}

export interface OidcUserChanges {
  name?: string;
  email?: string;
  address?: string;
  quota?: string;
  is_active?: boolean;
  migrated?: boolean;
}

export async function updateOidcUser(db: Knex, id: number, changes: OidcUserChanges): Promise<void> {
  if (Object.keys(changes).length > 0) await db('users').where({ id }).update(changes);
}

export async function findOidcUserById(db: Knex, id: number): Promise<OidcUser | null> {
  const row = await db('users').select(COLUMNS).where({ id }).first();
  return row ? toOidcUser(row) : null;
}
