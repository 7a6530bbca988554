/** OCS edits of one user field and the editable-field list (ocs-provisioning §6.6, §6.7). */
import { refused } from '../../src/core/errors';
import { defineProcedure } from '../../src/core/procedure';
import { parseQuota, quotaToStoredText } from '../../src/core/quota';
import * as profiles from '../../src/db/repositories/profiles';
import { ocsEditUserParams, ocsResult, ocsUserParams } from '../../schemas/ocs';
import { backendCanSetProfile, callerScope, findTarget, isAccessible } from './scope';
import { characterCount, hasNul, passwordStorable, passwordTooLong, passwordTooShort, validEmail, validLanguage, validProfileText, validWebsite } from './userChecks';

type EditKey = 'displayname' | 'email' | 'password' | 'language' | 'phone' | 'address' | 'twitter' | 'website' | 'quota';

const KEYS: ReadonlySet<string> = new Set(['displayname', 'display', 'email', 'password', 'language', 'phone', 'address', 'twitter', 'website', 'quota']);

/** Keys this caller may edit on this target (§6.6 table): quota only for admins and subadmins on others. */
function editable(key: string, self: boolean, callerIsAdmin: boolean, canSetProfile: boolean): EditKey | null {
  if (!KEYS.has(key)) return null;
  const canonical = (key === 'display' ? 'displayname' : key) as EditKey;
  if (canonical === 'displayname' && !canSetProfile) return null;
  if (canonical === 'quota' && self && !callerIsAdmin) return null;
  return canonical;
}

/** Validates `value` for `key` (§6.6 check 3) and returns the column change, password excepted. */
function profileChange(key: Exclude<EditKey, 'password'>, value: string): profiles.ProfileChanges {
  const invalid = (reason: string, shown?: string) => refused('INVALID_PARAMS', reason, shown);
  switch (key) {
    case 'displayname': {
      const name = value.trim();
      if (characterCount(name) > 64 || hasNul(name)) throw invalid('display_name_invalid');
      return { name };
    }
    case 'email':
      if (value !== '' && !validEmail(value)) throw invalid('email_invalid');
      return { email: value };
    case 'language':
      if (!validLanguage(value)) throw invalid('language_invalid');
      return { language: value };
    case 'phone':
    case 'address':
    case 'twitter':
      if (!validProfileText(value)) throw invalid(`${key}_invalid`);
      // Stored as given; a value only too long because of surrounding whitespace is stored trimmed.
      return { [key]: characterCount(value) <= 255 ? value : value.trim() };
    case 'website':
      if (!validWebsite(value)) throw invalid('website_invalid');
      return { website: value };
    case 'quota': {
      const quota = parseQuota(value);
      if (quota === null) throw invalid('quota_invalid', value);
      return { quota: quotaToStoredText(quota) };
    }
  }
}

export const ocsEditUser = defineProcedure({
  name: 'ocsEditUser',
  description: 'Change one field of a user: display name, email, password, language, phone, address, website, twitter or quota (§6.6).',
  params: [],
  schema: ocsEditUserParams,
  result: ocsResult,
  writes: true,
  failure: null,
  surfaces: ['ocs'],
  nulSafe: true,
  prepare: async (p, ctx) => (p.key === 'password' && passwordStorable(p.value) ? ctx.services.passwords.hash(p.value) : null),
  async handler(p, ctx, passwordHash: string | null) {
    const scope = await callerScope(ctx);
    const target = await findTarget(ctx.db, p.userid);
    const self = target !== null && target.id === scope.userId;
    if (!target || (!self && !(await isAccessible(ctx.db, scope, target)))) throw refused('NOT_FOUND', 'user_missing');
    const key = editable(p.key, self, scope.isAdmin, backendCanSetProfile(target));
    if (!key) throw refused('FORBIDDEN', 'key_not_editable');
    if (key === 'password') {
      if (passwordTooLong(p.value)) throw refused('INVALID_PARAMS', 'password_invalid');
      if (!backendCanSetProfile(target)) throw refused('PRECONDITION_FAILED', 'password_unsupported');
      if (passwordTooShort(p.value) || passwordHash === null) throw refused('INVALID_PARAMS', 'password_too_short');
      await profiles.updateProfile(ctx.db, target.id, { password: passwordHash });
      return null;
    }
    await profiles.updateProfile(ctx.db, target.id, profileChange(key, p.value));
    return null;
  },
});

export const ocsEditableFields = defineProcedure({
  name: 'ocsEditableFields',
  description: 'The fields the caller may edit on a user (themself when no user is named), §6.7.',
  params: [],
  schema: ocsUserParams('ocsEditableFields'),
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ['ocs'],
  nulSafe: true,
  async handler(p, ctx) {
    const scope = await callerScope(ctx);
    const target = p.userid === '' ? await profiles.findProfileById(ctx.db, scope.userId) : await findTarget(ctx.db, p.userid);
    if (!target || (target.id !== scope.userId && !(await isAccessible(ctx.db, scope, target)))) throw refused('NOT_FOUND', 'user_missing');
    return [...(backendCanSetProfile(target) ? ['displayname'] : []), 'email', 'phone', 'address', 'website', 'twitter'];
  },
});

export const ocsUserEditProcedures = [ocsEditUser, ocsEditableFields];
