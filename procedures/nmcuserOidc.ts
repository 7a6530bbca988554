/**
 * The nmcuser_oidc procedures (nmcuser-oidc §5–§8): OIDC users of one provider, created before
 * their first login, and app passwords minted for them. Surface `nmcuser_oidc` only.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { AppError, refused } from '../src/core/errors';
import { defineProcedure, type Context } from '../src/core/procedure';
import type { OidcUserView } from '../src/core/oidcViews';
import { parseQuota, quotaToStoredText, resolveQuota } from '../src/core/quota';
import { isValidEmail } from '../src/core/emailFormat';
import { characterCount, hasNul } from '../src/core/text';
import * as providers from '../src/db/repositories/oidcProviders';
import * as oidcUsers from '../src/db/repositories/oidcUsers';
import { deleteUser } from '../src/db/repositories/users';
import { insertAppPassword } from '../src/db/repositories/appPasswords';
import { oidcCreateUserParams, oidcListUsersParams, oidcResult, oidcUpdateUserParams, oidcUserParams } from '../schemas/nmcuserOidc';

const surfaces = ['nmcuser_oidc'] as const;
/** §6.2: quota of a new OIDC user when none is given. */
const DEFAULT_OIDC_QUOTA = 3 * 1024 ** 3;

/** §2.2: the username itself up to 64 UTF-8 bytes, else the hex SHA-256 of its bytes. */
export function internalIdOf(username: string): string {
  return Buffer.byteLength(username, 'utf8') <= 64 ? username : createHash('sha256').update(username, 'utf8').digest('hex');
}

/** §5.1: identifier ignoring case, else an all-digit segment as the numeric id. */
async function resolveProvider(db: Knex, segment: string): Promise<providers.OidcProvider> {
  const byIdentifier = await providers.findProviderByIdentifier(db, segment);
  if (byIdentifier) return byIdentifier;
  if (/^\d+$/.test(segment)) {
    const id = Number(segment);
    const byId = Number.isSafeInteger(id) && id <= 2147483647 ? await providers.findProviderById(db, id) : null;
    if (byId) return byId;
  }
  throw refused('NOT_FOUND', 'provider_missing', segment);
}

/** §5.2: by internal id, else by the exact username, only among the provider's users. */
async function resolveUser(db: Knex, provider: providers.OidcProvider, id: string): Promise<oidcUsers.OidcUser> {
  const internal = internalIdOf(id);
  const user = (await oidcUsers.findLinkedUser(db, provider.id, internal)) ?? (internal !== id ? await oidcUsers.findLinkedUser(db, provider.id, id) : null);
  if (!user) throw new AppError('NOT_FOUND', { reason: 'user_missing', value: id, computedId: internal });
  return user;
}

function viewOf(ctx: Context, user: oidcUsers.OidcUser): OidcUserView {
  return {
    id: user.username,
    displayname: user.name ? user.name : user.username,
    email: user.email ? user.email : null,
    quota: resolveQuota(parseQuota(user.quota) ?? 'default', ctx.services.settings.defaultQuota),
    altemail: user.address,
    migrated: user.migrated,
    enabled: user.isActive,
  };
}

const invalid = (field: string) => refused('INVALID_PARAMS', 'field_invalid', field);

interface FieldValues {
  displayname?: string;
  email?: string;
  altemail?: string;
  quota?: string;
}

/** The value rules of §6.2 for the fields given; returns the column changes. */
function checkedFields(p: FieldValues): oidcUsers.OidcUserChanges {
  const changes: oidcUsers.OidcUserChanges = {};
  if (p.displayname !== undefined) {
    if (characterCount(p.displayname) > 255 || hasNul(p.displayname)) throw invalid('displayname');
    changes.name = p.displayname;
  }
  if (p.email !== undefined) {
    if (p.email !== '' && !(characterCount(p.email) <= 255 && isValidEmail(p.email))) throw invalid('email');
    changes.email = p.email;
  }
  if (p.altemail !== undefined) {
    if (characterCount(p.altemail) > 255 || hasNul(p.altemail)) throw invalid('altemail');
    changes.address = p.altemail;
  }
  if (p.quota !== undefined) {
    const quota = parseQuota(p.quota);
    if (quota === null) throw refused('INVALID_PARAMS', 'quota_invalid', p.quota);
    changes.quota = quotaToStoredText(quota);
  }
  return changes;
}

/** §6.2 username: non-empty, no control characters, no surrounding whitespace, ≤ 1024 bytes. */
function checkUsername(username: string | undefined): string {
  if (username === undefined || username === '') throw refused('INVALID_PARAMS', 'field_required', 'username');
  if (/[\u0000-\u001f\u007f-\u009f]/.test(username) || username.trim() !== username || Buffer.byteLength(username, 'utf8') > 1024) throw invalid('username');
  return username;
}

export const oidcListUsers = defineProcedure({
  name: 'oidcListUsers',
  description: 'Internal ids of a provider\'s users, filtered by pattern, then paged (§6.1).',
  params: [],
  schema: oidcListUsersParams,
  result: oidcResult,
  writes: false,
  failure: null,
  surfaces,
  nulSafe: true,
  async handler(p, ctx) {
    const provider = await resolveProvider(ctx.db, p.provider);
    return oidcUsers.listLinkedUsernames(ctx.db, provider.id, { pattern: p.pattern ?? '', offset: p.offset ?? 0, limit: p.limit ?? undefined });
  },
});

export const oidcCreateUser = defineProcedure({
  name: 'oidcCreateUser',
  description: 'Create an OIDC user of a provider before its first login (§6.2); atomic.',
  params: [],
  schema: oidcCreateUserParams,
  result: oidcResult,
  writes: true,
  failure: null,
  surfaces,
  nulSafe: true,
  async handler(p, ctx) {
    const provider = await resolveProvider(ctx.db, p.provider);
    const username = checkUsername(p.username);
    if (p.displayname === undefined) throw refused('INVALID_PARAMS', 'field_required', 'displayname');
    const fields = checkedFields({ displayname: p.displayname, email: p.email, altemail: p.altemail, quota: p.quota });
    const internal = internalIdOf(username);
    if (await oidcUsers.accountExists(ctx.db, internal)) throw refused('ALREADY_EXISTS', 'user_exists', username);
    await oidcUsers.insertOidcUser(ctx.db, {
      username: internal,
      subject: username,
      providerId: provider.id,
      name: fields.name ?? '',
      email: fields.email ?? '',
      address: fields.address ?? '',
      quota: fields.quota ?? String(DEFAULT_OIDC_QUOTA),
      isActive: p.enabled ?? true,
      migrated: p.migrated ?? true,
    });
    ctx.audit({ targetUsername: internal });
    return { id: internal };
  },
});

export const oidcGetUser = defineProcedure({
  name: 'oidcGetUser',
  description: 'One OIDC user of a provider, by IdP username or internal id (§6.3).',
  params: [],
  schema: oidcUserParams('oidcGetUser'),
  result: oidcResult,
  writes: false,
  failure: null,
  surfaces,
  nulSafe: true,
  async handler(p, ctx): Promise<OidcUserView> {
    const provider = await resolveProvider(ctx.db, p.provider);
    return viewOf(ctx, await resolveUser(ctx.db, provider, p.id));
  },
});

export const oidcUpdateUser = defineProcedure({
  name: 'oidcUpdateUser',
  description: 'Change an OIDC user\'s fields (§6.4). A request without `enabled` enables the user.',
  params: [],
  schema: oidcUpdateUserParams,
  result: oidcResult,
  writes: true,
  failure: null,
  surfaces,
  nulSafe: true,
  async handler(p, ctx): Promise<OidcUserView> {
    const provider = await resolveProvider(ctx.db, p.provider);
    const user = await resolveUser(ctx.db, provider, p.id);
    const changes = checkedFields(p);
    changes.is_active = p.enabled ?? true;
    if (p.migrated !== undefined) changes.migrated = p.migrated;
    await oidcUsers.updateOidcUser(ctx.db, user.id, changes);
    ctx.audit({ targetUsername: user.username });
    const updated = await oidcUsers.findOidcUserById(ctx.db, user.id);
    if (!updated) throw new AppError('INTERNAL');
    return viewOf(ctx, updated);
  },
});

export const oidcDeleteUser = defineProcedure({
  name: 'oidcDeleteUser',
  description: 'Delete an OIDC user as removeUser does: memberships, subadmin rights and app passwords go with it (§6.5).',
  params: [],
  schema: oidcUserParams('oidcDeleteUser'),
  result: oidcResult,
  writes: true,
  failure: null,
  surfaces,
  nulSafe: true,
  async handler(p, ctx) {
    const provider = await resolveProvider(ctx.db, p.provider);
    const user = await resolveUser(ctx.db, provider, p.id);
    await deleteUser(ctx.db, user.id);
    ctx.audit({ targetUsername: user.username });
    return '';
  },
});

export const oidcMintToken = defineProcedure({
  name: 'oidcMintToken',
  description: 'Mint a new 72-character app password for an OIDC user; only its hash is stored, and the mint is audited (§6.6, §8).',
  params: [],
  schema: oidcUserParams('oidcMintToken'),
  result: oidcResult,
  writes: true,
  failure: null,
  surfaces,
  nulSafe: true,
  async handler(p, ctx) {
    const provider = await resolveProvider(ctx.db, p.provider);
    const user = await resolveUser(ctx.db, provider, p.id);
    const caller = ctx.principal.kind === 'user' ? ctx.principal.user.username : 'jsonrpc';
    const { token, sha256 } = ctx.services.secrets.newAppPassword();
    const now = ctx.services.now();
    const appPasswordId = await insertAppPassword(ctx.db, { userId: user.id, name: 'nmcuser_oidc', tokenSha256: sha256, createdAt: now, createdBy: caller });
    ctx.audit({ action: 'nmcuser_oidc.token', targetUsername: user.username, details: { provider: provider.identifier, app_password_id: appPasswordId } });
    return { token };
  },
});

export const nmcuserOidcProcedures = [oidcListUsers, oidcCreateUser, oidcGetUser, oidcUpdateUser, oidcDeleteUser, oidcMintToken];
