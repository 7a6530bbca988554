/**
 * OCS user procedures (ocs-provisioning §6.1–§6.9, §6.16): the checks in the order the spec gives,
 * each failing with a stable reason that the OCS route table turns into a statuscode and message.
 * They write the same rows as the JSON-RPC user procedures.
 */
import { AppError, refused } from '../../src/core/errors';
import { defineProcedure, type Context } from '../../src/core/procedure';
import type { OcsUserView } from '../../src/core/ocsViews';
import { parseQuota, quotaToStoredText } from '../../src/core/quota';
import * as groups from '../../src/db/repositories/groups';
import * as users from '../../src/db/repositories/users';
import * as profiles from '../../src/db/repositories/profiles';
import { addSubadmin } from '../../src/db/repositories/subadmins';
import { isAppEnabled } from '../../src/db/repositories/appState';
import {
  ocsCreateUserParams,
  ocsNoParams,
  ocsPagingParams,
  ocsResult,
  ocsSetUserEnabledParams,
  ocsUserParams,
  ocsWelcomeParams,
} from '../../schemas/ocs';
import { assertSubadminOrAdmin, callerScope, findTarget, isAccessible, userListEntries, userView, type CallerScope } from './scope';
import { characterCount, hasNul, passwordStorable, passwordTooLong, passwordTooShort, usernameProblem, validEmail, validLanguage } from './userChecks';

const ocs = ['ocs'] as const;

/** §5.4 paging in the caller's scope (§6.1): admins see all users, subadmins the union of their groups. */
async function scopedProfiles(ctx: Context, scope: CallerScope, p: { search: string; limit: number | null; offset: number | null }) {
  assertSubadminOrAdmin(scope);
  return profiles.listProfiles(ctx.db, {
    search: p.search,
    subadminScopeOf: scope.isAdmin ? undefined : scope.userId,
    offset: p.offset ?? 0,
    limit: p.limit ?? undefined,
  });
}

export const ocsCallerLevel = defineProcedure({
  name: 'ocsCallerLevel',
  description: 'Whether the caller is admin and whether they are subadmin of any group (OCS permission levels, §3.5).',
  params: [],
  schema: ocsNoParams('ocsCallerLevel'),
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(_p, ctx) {
    const scope = await callerScope(ctx);
    return { admin: scope.isAdmin, subadmin: scope.subadminOf.size > 0 };
  },
});

export const ocsListUsers = defineProcedure({
  name: 'ocsListUsers',
  description: 'User ids in the caller\'s scope, searched and paged (§6.1).',
  params: [],
  schema: ocsPagingParams('ocsListUsers'),
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const rows = await scopedProfiles(ctx, await callerScope(ctx), p);
    return rows.map((row) => row.username);
  },
});

export const ocsListUserDetails = defineProcedure({
  name: 'ocsListUserDetails',
  description: 'Users in the caller\'s scope with their data, searched and paged (§6.2).',
  params: [],
  schema: ocsPagingParams('ocsListUserDetails'),
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const scope = await callerScope(ctx);
    return userListEntries(ctx, scope, await scopedProfiles(ctx, scope, p));
  },
});

/** The §6.3 checks 1–17, in order; returns the parsed quota. */
async function checkNewUser(ctx: Context, scope: CallerScope, p: CreateParams) {
  await profiles.lockFoldedUsername(ctx.db, p.userid);
  if (await profiles.usernameTakenFolded(ctx.db, p.userid)) throw refused('ALREADY_EXISTS', 'user_exists');
  const joined: groups.NamedGroup[] = [];
  for (const name of p.groups) {
    const group = await groups.findGroupByName(ctx.db, name);
    if (!group) throw refused('NOT_FOUND', 'group_missing', name);
    joined.push(group);
  }
  if (!scope.isAdmin) {
    for (const group of joined) if (!scope.subadminOf.has(group.id)) throw refused('FORBIDDEN', 'group_forbidden', group.name);
    if (joined.length === 0) throw refused('INVALID_PARAMS', 'group_required');
  }
  const administered: groups.NamedGroup[] = [];
  for (const name of p.subadmin) {
    const group = await groups.findGroupByName(ctx.db, name);
    if (!group) throw refused('NOT_FOUND', 'subadmin_group_missing', name);
    if (group.name === groups.ADMIN_GROUP) throw refused('REFUSED', 'subadmin_admin_group');
    if (!scope.isAdmin && !scope.subadminOf.has(group.id)) throw refused('FORBIDDEN', 'subadmin_forbidden', name);
    administered.push(group);
  }
  if (passwordTooLong(p.password)) throw refused('INVALID_PARAMS', 'password_invalid');
  if (p.password === '' && p.email === '') throw refused('INVALID_PARAMS', 'email_required');
  const usernameIssue = usernameProblem(p.userid);
  if (usernameIssue) throw refused('INVALID_PARAMS', usernameIssue);
  if (p.password !== '' && passwordTooShort(p.password)) throw refused('INVALID_PARAMS', 'password_too_short');
  if (characterCount(p.displayName) > 64 || hasNul(p.displayName)) throw refused('INVALID_PARAMS', 'display_name_invalid');
  if (p.email !== '' && !validEmail(p.email)) throw refused('INVALID_PARAMS', 'email_invalid');
  const quota = p.quota === '' ? 'default' : parseQuota(p.quota);
  if (quota === null) throw refused('INVALID_PARAMS', 'quota_invalid', p.quota);
  if (p.language !== '' && !validLanguage(p.language)) throw refused('INVALID_PARAMS', 'language_invalid');
  return { joined, administered, quota };
}

interface CreateParams {
  userid: string;
  password: string;
  displayName: string;
  email: string;
  groups: string[];
  subadmin: string[];
  quota: string;
  language: string;
  serviceUrl: string;
}

/** The service URL of emails: PUBLIC_URL, else what the adapter derived from the request. */
function serviceUrlOf(ctx: Context, fromRequest: string): string {
  return ctx.services.settings.publicUrl ?? fromRequest;
}

export const ocsCreateUser = defineProcedure({
  name: 'ocsCreateUser',
  description: 'Create a user with groups, subadmin groups, quota and language, atomically; welcome email after commit (§6.3).',
  params: [],
  schema: ocsCreateUserParams,
  result: ocsResult,
  writes: true,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  prepare: async (p, ctx) => (passwordStorable(p.password) ? ctx.services.passwords.hash(p.password) : null),
  async handler(p, ctx, passwordHash: string | null) {
    const scope = await callerScope(ctx);
    assertSubadminOrAdmin(scope);
    const { joined, administered, quota } = await checkNewUser(ctx, scope, p);
    const id = await users.insertUser(ctx.db, {
      username: p.userid,
      password: passwordHash,
      name: p.displayName,
      email: p.email,
      role: 'app-user',
      language: p.language === '' ? null : p.language,
      quota: quotaToStoredText(quota),
    });
    for (const group of joined) await groups.addMember(ctx.db, group.id, id);
    for (const group of administered) await addSubadmin(ctx.db, id, group.id);
    const { settings, mail } = ctx.services;
    if (p.email !== '' && settings.sendWelcomeEmailOnCreate && mail.configured && (await isAppEnabled(ctx.db, 'mail'))) {
      const message = { displayName: p.displayName || p.userid, email: p.email, username: p.userid, serviceUrl: serviceUrlOf(ctx, p.serviceUrl) };
      // Not awaited by the caller; sendWelcome logs its own failures (§6.3: never changes the response).
      ctx.afterCommit(() => mail.sendWelcome(message, { requestId: ctx.requestId }).catch(() => undefined));
    }
    return { id: p.userid };
  },
});

/** §6.4 checks 1–2: the target exists and is the caller, or accessible to them. */
async function readableTarget(ctx: Context, scope: CallerScope, userid: string) {
  const target = await findTarget(ctx.db, userid);
  if (!target) throw refused('NOT_FOUND', 'user_missing');
  if (target.id !== scope.userId && !(await isAccessible(ctx.db, scope, target))) throw refused('FORBIDDEN', 'user_inaccessible');
  return target;
}

export const ocsGetUser = defineProcedure({
  name: 'ocsGetUser',
  description: 'One user\'s data as the caller may see it (§6.4).',
  params: [],
  schema: ocsUserParams('ocsGetUser'),
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx): Promise<OcsUserView> {
    const scope = await callerScope(ctx);
    return userView(ctx, scope, await readableTarget(ctx, scope, p.userid));
  },
});

export const ocsGetCurrentUser = defineProcedure({
  name: 'ocsGetCurrentUser',
  description: 'The caller\'s own data (§6.5).',
  params: [],
  schema: ocsNoParams('ocsGetCurrentUser'),
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(_p, ctx): Promise<OcsUserView> {
    const scope = await callerScope(ctx);
    const self = await profiles.findProfileById(ctx.db, scope.userId);
    if (!self) throw new AppError('UNAUTHENTICATED');
    return userView(ctx, scope, self);
  },
});

export const ocsSetUserEnabled = defineProcedure({
  name: 'ocsSetUserEnabled',
  description: 'Enable or disable a user other than the caller (§6.8); disabling deactivates the private projects it owns, as disableUser does.',
  params: [],
  schema: ocsSetUserEnabledParams,
  result: ocsResult,
  writes: true,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const scope = await callerScope(ctx);
    assertSubadminOrAdmin(scope);
    const target = await findTarget(ctx.db, p.userid);
    if (!target || target.id === scope.userId) throw refused('NOT_FOUND', 'user_invalid');
    if (!(await isAccessible(ctx.db, scope, target))) throw refused('FORBIDDEN', 'user_inaccessible');
    await users.setUserActive(ctx.db, target.id, p.enabled);
    if (!p.enabled) await users.deactivateOwnedPrivateProjects(ctx.db, target.id);
    return null;
  },
});

export const ocsDeleteUser = defineProcedure({
  name: 'ocsDeleteUser',
  description: 'Delete a user other than the caller, as removeUser does (§6.9).',
  params: [],
  schema: ocsUserParams('ocsDeleteUser'),
  result: ocsResult,
  writes: true,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const scope = await callerScope(ctx);
    assertSubadminOrAdmin(scope);
    const target = await findTarget(ctx.db, p.userid);
    if (!target) throw refused('NOT_FOUND', 'user_missing');
    if (target.id === scope.userId) throw refused('REFUSED', 'user_self');
    if (!(await isAccessible(ctx.db, scope, target))) throw refused('FORBIDDEN', 'user_inaccessible');
    await users.deleteUser(ctx.db, target.id);
    return null;
  },
});

export const ocsSendWelcomeEmail = defineProcedure({
  name: 'ocsSendWelcomeEmail',
  description: 'Send the welcome email to an accessible user and wait for the SMTP server\'s answer (§6.16).',
  params: [],
  schema: ocsWelcomeParams,
  result: ocsResult,
  // Not a writing call: no transaction and no connection is held while the mail is sent (§9).
  writes: false,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const scope = await callerScope(ctx);
    assertSubadminOrAdmin(scope);
    const target = await findTarget(ctx.db, p.userid);
    if (!target) throw refused('NOT_FOUND', 'user_missing');
    if (!(await isAccessible(ctx.db, scope, target))) throw refused('FORBIDDEN', 'user_inaccessible');
    if (!target.email) throw refused('PRECONDITION_FAILED', 'email_missing');
    const { mail } = ctx.services;
    if (!mail.configured || !(await isAppEnabled(ctx.db, 'mail'))) throw refused('PRECONDITION_FAILED', 'mail_failed');
    const message = { displayName: target.name || target.username, email: target.email, username: target.username, serviceUrl: serviceUrlOf(ctx, p.serviceUrl) };
    try {
      await mail.sendWelcome(message, { requestId: ctx.requestId });
    } catch {
      throw refused('PRECONDITION_FAILED', 'mail_failed');
    }
    return null;
  },
});

export const ocsUserProcedures = [
  ocsCallerLevel, ocsListUsers, ocsListUserDetails, ocsCreateUser, ocsGetUser, ocsGetCurrentUser, ocsSetUserEnabled, ocsDeleteUser, ocsSendWelcomeEmail,
];
