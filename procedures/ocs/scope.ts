/**
 * Who the OCS caller is to the target (ocs-provisioning §2.3): admin, subadmin of which groups,
 * and whether a target is *accessible*; and the §5.1 user view with its visibility decided.
 */
import type { Knex } from 'knex';
import { AppError } from '../../src/core/errors';
import type { Context } from '../../src/core/procedure';
import type { OcsUserListEntry, OcsUserView } from '../../src/core/ocsViews';
import { parseQuota, resolveQuota } from '../../src/core/quota';
import { findProfileByPathId, type UserProfile } from '../../src/db/repositories/profiles';
import { isAccessibleToSubadmin, memberGroupNamesByUser, subadminGroupIds, subadminGroupNamesByUser } from '../../src/db/repositories/subadmins';

export interface CallerScope {
  userId: number;
  isAdmin: boolean;
  /** Groups the caller is subadmin of (empty for admins who are not). */
  subadminOf: ReadonlySet<number>;
}

/** The OCS procedures are user-mode only (their access rule refuses the application token). */
export async function callerScope(ctx: Context): Promise<CallerScope> {
  if (ctx.principal.kind !== 'user') throw new AppError('FORBIDDEN', { reason: 'user_credentials_required' });
  const { user } = ctx.principal;
  return { userId: user.id, isAdmin: user.role === 'app-admin', subadminOf: await subadminGroupIds(ctx.db, user.id) };
}

/** Level B of §3.5: admins and subadmins. */
export function assertSubadminOrAdmin(scope: CallerScope): void {
  if (!scope.isAdmin && scope.subadminOf.size === 0) throw new AppError('FORBIDDEN', { reason: 'subadmin_required' });
}

/** §2.3 *accessible*: the caller is admin, or the target is a non-admin member of one of the caller's groups. */
export async function isAccessible(db: Knex, scope: CallerScope, target: { id: number }): Promise<boolean> {
  if (scope.isAdmin) return true;
  if (scope.subadminOf.size === 0) return false;
  return isAccessibleToSubadmin(db, scope.userId, target.id);
}

/** The target named by a path id (§2.1), or null. A NUL can never be part of a username. */
export function findTarget(db: Knex, pathId: string): Promise<UserProfile | null> {
  return findProfileByPathId(db, pathId);
}

function backendOf(profile: UserProfile): OcsUserView['backend'] {
  if (profile.isLdapUser) return 'LDAP';
  return profile.isOidcUser ? 'user_oidc' : 'Database';
}

/** Whether the backend lets OCS set display names and passwords (§2.1). */
export function backendCanSetProfile(profile: UserProfile): boolean {
  return backendOf(profile) === 'Database';
}

function view(ctx: Context, profile: UserProfile, groups: string[], subadmin: string[], callerIsAdmin: boolean, managed: boolean): OcsUserView {
  const stored = parseQuota(profile.quota) ?? 'default';
  return {
    id: profile.username,
    enabled: profile.isActive,
    lastLogin: profile.lastLogin * 1000,
    backend: backendOf(profile),
    subadmin,
    quota: resolveQuota(stored, ctx.services.settings.defaultQuota),
    email: profile.email ? profile.email : null,
    displayName: profile.name ? profile.name : profile.username,
    phone: profile.phone,
    address: profile.address,
    website: profile.website,
    twitter: profile.twitter,
    groups,
    language: profile.language ? profile.language : 'en',
    callerIsAdmin,
    managed,
  };
}

/** The §5.1 view of one user as this caller may see it. */
export async function userView(ctx: Context, scope: CallerScope, profile: UserProfile): Promise<OcsUserView> {
  const managed = await isAccessible(ctx.db, scope, profile);
  const [groups, subadmin] = await Promise.all([
    memberGroupNamesByUser(ctx.db, [profile.id]),
    subadminGroupNamesByUser(ctx.db, [profile.id]),
  ]);
  return view(ctx, profile, groups.get(profile.id) ?? [], subadmin.get(profile.id) ?? [], scope.isAdmin, managed);
}

/**
 * Details-list entries (§6.2, §7.5) for profiles already limited to the caller's scope: admins see
 * everyone; a subadmin sees the non-admins (accessible, as they are members of the subadmin's
 * groups) and only the id of an admin.
 */
export async function userListEntries(ctx: Context, scope: CallerScope, profiles: UserProfile[]): Promise<OcsUserListEntry[]> {
  const visible = profiles.filter((p) => scope.isAdmin || p.role !== 'app-admin');
  const ids = visible.map((p) => p.id);
  const groups = await memberGroupNamesByUser(ctx.db, ids);
  const subadmin = await subadminGroupNamesByUser(ctx.db, ids);
  return profiles.map((profile) =>
    scope.isAdmin || profile.role !== 'app-admin'
      ? { id: profile.username, user: view(ctx, profile, groups.get(profile.id) ?? [], subadmin.get(profile.id) ?? [], scope.isAdmin, true) }
      : { id: profile.username, user: null },
  );
}
