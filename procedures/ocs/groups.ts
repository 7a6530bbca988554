/** OCS group procedures (ocs-provisioning §7). Groups are the same rows as the JSON-RPC groups. */
import { refused } from '../../src/core/errors';
import { defineProcedure } from '../../src/core/procedure';
import type { OcsGroupView } from '../../src/core/ocsViews';
import * as groups from '../../src/db/repositories/groups';
import * as profiles from '../../src/db/repositories/profiles';
import { subadminUsernamesOf } from '../../src/db/repositories/subadmins';
import {
  ocsCreateGroupParams,
  ocsEditGroupParams,
  ocsGroupPagingParams,
  ocsGroupParams,
  ocsPagingParams,
  ocsResult,
} from '../../schemas/ocs';
import { assertSubadminOrAdmin, callerScope, userListEntries } from './scope';
import { characterCount, hasNul } from './userChecks';

const ocs = ['ocs'] as const;

/** The shared group-name rule: 1–191 characters, not only whitespace. */
function validGroupName(name: string): boolean {
  const length = characterCount(name);
  return length >= 1 && length <= 191 && /\S/.test(name) && !hasNul(name);
}

function groupPage(p: { search: string; limit: number | null; offset: number | null }): groups.NamedGroupFilter {
  return { search: p.search, offset: p.offset ?? 0, limit: p.limit ?? undefined };
}

export const ocsListGroups = defineProcedure({
  name: 'ocsListGroups',
  description: 'All group ids, searched and paged (§7.1).',
  params: [],
  schema: ocsPagingParams('ocsListGroups'),
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    assertSubadminOrAdmin(await callerScope(ctx));
    return (await groups.listGroupCounts(ctx.db, groupPage(p))).map((g) => g.name);
  },
});

export const ocsListGroupDetails = defineProcedure({
  name: 'ocsListGroupDetails',
  description: 'Groups with display name and member counts, searched and paged (§7.2).',
  params: [],
  schema: ocsPagingParams('ocsListGroupDetails'),
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx): Promise<OcsGroupView[]> {
    return (await groups.listGroupCounts(ctx.db, groupPage(p))).map((g) => ({
      id: g.name,
      displayName: g.displayName ?? g.name,
      userCount: g.userCount,
      disabledCount: g.disabledCount,
    }));
  },
});

export const ocsCreateGroup = defineProcedure({
  name: 'ocsCreateGroup',
  description: 'Create a group with an optional display name (§7.3).',
  params: [],
  schema: ocsCreateGroupParams,
  result: ocsResult,
  writes: true,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    if (!validGroupName(p.groupid)) throw refused('INVALID_PARAMS', 'group_name_invalid');
    if (await groups.findGroupByName(ctx.db, p.groupid)) throw refused('ALREADY_EXISTS', 'group_exists');
    if (characterCount(p.displayname) > 255 || hasNul(p.displayname)) throw refused('INVALID_PARAMS', 'group_name_invalid');
    await groups.insertGroup(ctx.db, { name: p.groupid, external_id: '', display_name: p.displayname === '' ? null : p.displayname });
    return null;
  },
});

export const ocsGetGroupMembers = defineProcedure({
  name: 'ocsGetGroupMembers',
  description: 'The member ids of a group the caller administers (§7.4).',
  params: [],
  schema: ocsGroupParams('ocsGetGroupMembers'),
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const scope = await callerScope(ctx);
    assertSubadminOrAdmin(scope);
    const group = await groups.findGroupByName(ctx.db, p.groupid);
    if (!group) throw refused('NOT_FOUND', 'group_missing');
    if (!scope.isAdmin && !scope.subadminOf.has(group.id)) throw refused('FORBIDDEN', 'group_forbidden');
    return groups.memberUsernames(ctx.db, group.id);
  },
});

export const ocsGetGroupMemberDetails = defineProcedure({
  name: 'ocsGetGroupMemberDetails',
  description: 'The members of a group the caller administers, with their data, searched and paged (§7.5).',
  params: [],
  schema: ocsGroupPagingParams('ocsGetGroupMemberDetails'),
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const scope = await callerScope(ctx);
    assertSubadminOrAdmin(scope);
    const group = await groups.findGroupByName(ctx.db, p.groupid);
    if (!group || (!scope.isAdmin && !scope.subadminOf.has(group.id))) throw refused('NOT_FOUND', 'group_missing');
    const rows = await profiles.listProfiles(ctx.db, { search: p.search, memberOf: group.id, offset: p.offset ?? 0, limit: p.limit ?? undefined });
    return userListEntries(ctx, scope, rows);
  },
});

export const ocsGetGroupSubadmins = defineProcedure({
  name: 'ocsGetGroupSubadmins',
  description: 'The subadmins of a group, sorted (§7.6).',
  params: [],
  schema: ocsGroupParams('ocsGetGroupSubadmins'),
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const group = await groups.findGroupByName(ctx.db, p.groupid);
    if (!group) throw refused('NOT_FOUND', 'group_missing');
    return subadminUsernamesOf(ctx.db, group.id);
  },
});

export const ocsEditGroup = defineProcedure({
  name: 'ocsEditGroup',
  description: 'Set a group\'s display name (key `displayname`); an empty value resets it to the id (§7.7).',
  params: [],
  schema: ocsEditGroupParams,
  result: ocsResult,
  writes: true,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    if (p.key !== 'displayname') throw refused('INVALID_PARAMS', 'key_invalid');
    const group = await groups.findGroupByName(ctx.db, p.groupid);
    if (!group) throw refused('NOT_FOUND', 'group_missing');
    if (characterCount(p.value) > 255 || hasNul(p.value)) throw refused('INVALID_PARAMS', 'display_name_invalid');
    await groups.setGroupDisplayName(ctx.db, group.id, p.value === '' ? null : p.value);
    return null;
  },
});

export const ocsDeleteGroup = defineProcedure({
  name: 'ocsDeleteGroup',
  description: 'Delete a group with its memberships, subadmin rights and project grants; never admin (§7.8).',
  params: [],
  schema: ocsGroupParams('ocsDeleteGroup'),
  result: ocsResult,
  writes: true,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const group = await groups.findGroupByName(ctx.db, p.groupid);
    if (!group) throw refused('NOT_FOUND', 'group_missing');
    if (group.name === groups.ADMIN_GROUP) throw refused('REFUSED', 'admin_group');
    await groups.deleteGroup(ctx.db, group.id);
    return null;
  },
});

export const ocsGroupProcedures = [
  ocsListGroups, ocsListGroupDetails, ocsCreateGroup, ocsGetGroupMembers, ocsGetGroupMemberDetails, ocsGetGroupSubadmins, ocsEditGroup, ocsDeleteGroup,
];
