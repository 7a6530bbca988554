/**
 * Group member procedures (JSON-RPC contract §7.3). Existence is checked in this order: group,
 * user, membership. Membership of `admin` and the role app-admin are kept in sync (§16).
 */
import type { Knex } from 'knex';
import { AppError, notFound } from '../src/core/errors';
import { defineProcedure } from '../src/core/procedure';
import * as groups from '../src/db/repositories/groups';
import * as users from '../src/db/repositories/users';
import { getMemberGroupsParams, groupIdParams, groupMemberObject, groupObject, memberParams } from '../schemas/groups';


async function assertGroupExists(db: Knex, groupId: number): Promise<void> {
  if (!(await groups.groupExists(db, groupId))) throw notFound('group', groupId);
}

async function assertUserExists(db: Knex, userId: number): Promise<void> {
  if (!(await users.findUserById(db, userId))) throw notFound('user', userId);
}

/** Group, then user. */
async function assertBothExist(db: Knex, groupId: number, userId: number): Promise<void> {
  await assertGroupExists(db, groupId);
  await assertUserExists(db, userId);
}

export const getMemberGroups = defineProcedure({
  name: 'getMemberGroups',
  description: 'The groups a user belongs to, ordered by group name (byte order).',
  params: ['user_id'],
  schema: getMemberGroupsParams,
  result: { type: 'array', items: groupObject },
  writes: false,
  failure: [],
  async handler(p, ctx) {
    await assertUserExists(ctx.db, p.user_id);
    return groups.listMemberGroups(ctx.db, p.user_id);
  },
});

export const getGroupMembers = defineProcedure({
  name: 'getGroupMembers',
  description: 'The members of a group (group_id, user_id and the user object), ordered by username (byte order).',
  params: ['group_id'],
  schema: groupIdParams('getGroupMembers'),
  result: { type: 'array', items: groupMemberObject },
  writes: false,
  failure: [],
  async handler(p, ctx) {
    await assertGroupExists(ctx.db, p.group_id);
    return groups.listGroupMembers(ctx.db, p.group_id);
  },
});

export const addGroupMember = defineProcedure({
  name: 'addGroupMember',
  description: 'Add a user to a group. Adding to the admin group makes the user app-admin.',
  params: ['group_id', 'user_id'],
  schema: memberParams('addGroupMember'),
  result: { type: 'boolean', const: true },
  writes: true,
  failure: false,
  async handler(p, ctx) {
    await assertBothExist(ctx.db, p.group_id, p.user_id);
    if (!(await groups.addMember(ctx.db, p.group_id, p.user_id))) throw new AppError('ALREADY_EXISTS', { resource: 'group_member' });
    return true as const;
  },
});

export const removeGroupMember = defineProcedure({
  name: 'removeGroupMember',
  description: 'Remove a user from a group. Removing from the admin group makes the user app-user.',
  params: ['group_id', 'user_id'],
  schema: memberParams('removeGroupMember'),
  result: { type: 'boolean', const: true },
  writes: true,
  failure: false,
  async handler(p, ctx) {
    await assertBothExist(ctx.db, p.group_id, p.user_id);
    if (!(await groups.removeMember(ctx.db, p.group_id, p.user_id))) throw new AppError('NOT_FOUND', { resource: 'group_member' });
    return true as const;
  },
});

export const isGroupMember = defineProcedure({
  name: 'isGroupMember',
  description: 'Whether the user is a member of the group.',
  params: ['group_id', 'user_id'],
  schema: memberParams('isGroupMember'),
  result: { type: 'boolean' },
  writes: false,
  failure: false,
  async handler(p, ctx) {
    await assertBothExist(ctx.db, p.group_id, p.user_id);
    return groups.isMember(ctx.db, p.group_id, p.user_id);
  },
});

export const groupMemberProcedures = [getMemberGroups, getGroupMembers, addGroupMember, removeGroupMember, isGroupMember];
