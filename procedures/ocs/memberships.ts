/** OCS group memberships and subadmin rights of a user (ocs-provisioning §6.10–§6.15). */
import { refused } from '../../src/core/errors';
import { defineProcedure } from '../../src/core/procedure';
import * as groups from '../../src/db/repositories/groups';
import * as subadmins from '../../src/db/repositories/subadmins';
import { ocsResult, ocsUserGroupParams, ocsUserParams } from '../../schemas/ocs';
import { assertSubadminOrAdmin, callerScope, findTarget, isAccessible } from './scope';

const ocs = ['ocs'] as const;

export const ocsGetUserGroups = defineProcedure({
  name: 'ocsGetUserGroups',
  description: 'The groups of a user: all of them for the user and admins, those the caller administers for a subadmin (§6.10).',
  params: [],
  schema: ocsUserParams('ocsGetUserGroups'),
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const scope = await callerScope(ctx);
    const target = await findTarget(ctx.db, p.userid);
    if (!target) throw refused('NOT_FOUND', 'user_missing');
    const self = target.id === scope.userId;
    if (!self && !(await isAccessible(ctx.db, scope, target))) throw refused('FORBIDDEN', 'user_inaccessible');
    const names = (await subadmins.memberGroupNamesByUser(ctx.db, [target.id])).get(target.id) ?? [];
    if (self || scope.isAdmin) return names;
    const administered = new Set<string>();
    for (const id of scope.subadminOf) {
      const group = await groups.findGroupById(ctx.db, id);
      if (group) administered.add(group.name);
    }
    return names.filter((name) => administered.has(name));
  },
});

export const ocsAddUserToGroup = defineProcedure({
  name: 'ocsAddUserToGroup',
  description: 'Add a user to a group (§6.11); a no-op when already a member. Joining admin makes the user app-admin.',
  params: [],
  schema: ocsUserGroupParams('ocsAddUserToGroup'),
  result: ocsResult,
  writes: true,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const scope = await callerScope(ctx);
    assertSubadminOrAdmin(scope);
    if (p.groupid === '') throw refused('INVALID_PARAMS', 'group_empty');
    const group = await groups.findGroupByName(ctx.db, p.groupid);
    if (!group) throw refused('NOT_FOUND', 'group_missing');
    const target = await findTarget(ctx.db, p.userid);
    if (!target) throw refused('NOT_FOUND', 'user_missing');
    if (!scope.isAdmin && (!scope.subadminOf.has(group.id) || !(await isAccessible(ctx.db, scope, target)))) {
      throw refused('FORBIDDEN', 'group_forbidden');
    }
    await groups.addMember(ctx.db, group.id, target.id);
    return null;
  },
});

export const ocsRemoveUserFromGroup = defineProcedure({
  name: 'ocsRemoveUserFromGroup',
  description: 'Remove a user from a group (§6.12); a no-op when not a member. Leaving admin makes the user app-user.',
  params: [],
  schema: ocsUserGroupParams('ocsRemoveUserFromGroup'),
  result: ocsResult,
  writes: true,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const scope = await callerScope(ctx);
    assertSubadminOrAdmin(scope);
    if (p.groupid.trim() === '') throw refused('INVALID_PARAMS', 'group_empty');
    const group = await groups.findGroupByName(ctx.db, p.groupid);
    if (!group) throw refused('NOT_FOUND', 'group_missing');
    const target = await findTarget(ctx.db, p.userid);
    if (!target) throw refused('NOT_FOUND', 'user_missing');
    const self = target.id === scope.userId;
    if (!scope.isAdmin && (!scope.subadminOf.has(group.id) || (!self && !(await isAccessible(ctx.db, scope, target))))) {
      throw refused('FORBIDDEN', 'group_forbidden');
    }
    if (self && scope.isAdmin && group.name === groups.ADMIN_GROUP) throw refused('REFUSED', 'self_admin_group');
    if (self && !scope.isAdmin) throw refused('REFUSED', 'self_subadmin');
    if (!scope.isAdmin) {
      const targetGroups = await groups.listMemberGroups(ctx.db, target.id);
      if (targetGroups.filter((g) => scope.subadminOf.has(g.id)).length <= 1) throw refused('REFUSED', 'last_subadmin_group');
    }
    await groups.removeMember(ctx.db, group.id, target.id);
    return null;
  },
});

export const ocsPromoteSubadmin = defineProcedure({
  name: 'ocsPromoteSubadmin',
  description: 'Make a user subadmin of a group (§6.13); never of admin. Promoting twice succeeds.',
  params: [],
  schema: ocsUserGroupParams('ocsPromoteSubadmin'),
  result: ocsResult,
  writes: true,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const target = await findTarget(ctx.db, p.userid);
    if (!target) throw refused('NOT_FOUND', 'user_missing');
    const group = p.groupid === '' ? null : await groups.findGroupByName(ctx.db, p.groupid);
    if (!group) throw refused('NOT_FOUND', 'group_missing');
    if (group.name === groups.ADMIN_GROUP) throw refused('REFUSED', 'subadmin_admin_group');
    await subadmins.addSubadmin(ctx.db, target.id, group.id);
    return null;
  },
});

export const ocsDemoteSubadmin = defineProcedure({
  name: 'ocsDemoteSubadmin',
  description: 'Take a user\'s subadmin right on a group away (§6.14).',
  params: [],
  schema: ocsUserGroupParams('ocsDemoteSubadmin'),
  result: ocsResult,
  writes: true,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const target = await findTarget(ctx.db, p.userid);
    if (!target) throw refused('NOT_FOUND', 'user_missing');
    const group = p.groupid === '' ? null : await groups.findGroupByName(ctx.db, p.groupid);
    if (!group) throw refused('NOT_FOUND', 'group_missing');
    if (!(await subadmins.removeSubadmin(ctx.db, target.id, group.id))) throw refused('NOT_FOUND', 'not_subadmin');
    return null;
  },
});

export const ocsGetSubadminGroups = defineProcedure({
  name: 'ocsGetSubadminGroups',
  description: 'The groups a user is subadmin of, sorted (§6.15).',
  params: [],
  schema: ocsUserParams('ocsGetSubadminGroups'),
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ocs,
  nulSafe: true,
  async handler(p, ctx) {
    const target = await findTarget(ctx.db, p.userid);
    if (!target) throw refused('NOT_FOUND', 'user_missing');
    return (await subadmins.subadminGroupNamesByUser(ctx.db, [target.id])).get(target.id) ?? [];
  },
});

export const ocsMembershipProcedures = [ocsGetUserGroups, ocsAddUserToGroup, ocsRemoveUserFromGroup, ocsPromoteSubadmin, ocsDemoteSubadmin, ocsGetSubadminGroups];
