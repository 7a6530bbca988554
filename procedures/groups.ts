/** Group procedures (JSON-RPC contract §7.2) and searchGroups (§8.1). */
import { AppError, notFound } from '../src/core/errors';
import { defineProcedure } from '../src/core/procedure';
import * as groups from '../src/db/repositories/groups';
import {
  createGroupParams,
  getAllGroupsParams,
  groupIdParams,
  groupObject,
  groupPage,
  groupWithCount,
  searchGroupsParams,
  updateGroupParams,
} from '../schemas/groups';
import { assertPageSize, decodeCursor, pageFrom } from './cursor';

const groupNotFound = (id: number) => notFound('group', id);
const groupNameTaken = () => new AppError('ALREADY_EXISTS', { resource: 'group', field: 'name' });
/** The admin group can be neither removed nor renamed (§16). */
const adminGroupProtected = () => new AppError('REFUSED');

export const createGroup = defineProcedure({
  name: 'createGroup',
  description: 'Create a group. Returns the new group id.',
  params: ['name', 'external_id'],
  schema: createGroupParams,
  result: { type: 'integer' },
  writes: true,
  failure: false,
  async handler(p, ctx) {
    if (await groups.groupNameTaken(ctx.db, p.name)) throw groupNameTaken();
    return groups.insertGroup(ctx.db, { name: p.name, external_id: p.external_id ?? '' });
  },
});

export const updateGroup = defineProcedure({
  name: 'updateGroup',
  description: 'Rename a group or change its external id; null or absent fields stay unchanged. The admin group cannot be renamed.',
  params: ['group_id', 'name', 'external_id'],
  schema: updateGroupParams,
  result: { type: 'boolean', const: true },
  writes: true,
  nullMeansAbsent: true,
  failure: false,
  async handler(p, ctx) {
    const group = await groups.findGroupById(ctx.db, p.group_id);
    if (!group) throw groupNotFound(p.group_id);
    const changes: groups.GroupChanges = {};
    if (typeof p.name === 'string') {
      if (group.name === groups.ADMIN_GROUP && p.name !== group.name) throw adminGroupProtected();
      if (await groups.groupNameTaken(ctx.db, p.name, p.group_id)) throw groupNameTaken();
      changes.name = p.name;
    }
    if (typeof p.external_id === 'string') changes.external_id = p.external_id;
    if (!(await groups.updateGroup(ctx.db, p.group_id, changes))) throw groupNotFound(p.group_id);
    return true as const;
  },
});

export const removeGroup = defineProcedure({
  name: 'removeGroup',
  description: 'Delete a group, its memberships and its project grants. The admin group cannot be removed.',
  params: ['group_id'],
  schema: groupIdParams('removeGroup'),
  result: { type: 'boolean', const: true },
  writes: true,
  failure: false,
  async handler(p, ctx) {
    const group = await groups.findGroupById(ctx.db, p.group_id);
    if (!group) throw groupNotFound(p.group_id);
    if (group.name === groups.ADMIN_GROUP) throw adminGroupProtected();
    await groups.deleteGroup(ctx.db, p.group_id);
    return true as const;
  },
});

export const getGroup = defineProcedure({
  name: 'getGroup',
  description: 'Get a group by id.',
  params: ['group_id'],
  schema: groupIdParams('getGroup'),
  result: groupObject,
  writes: false,
  failure: null,
  async handler(p, ctx) {
    const group = await groups.findGroupById(ctx.db, p.group_id);
    if (!group) throw groupNotFound(p.group_id);
    return group;
  },
});

export const getAllGroups = defineProcedure({
  name: 'getAllGroups',
  description: 'All groups with their member counts, ordered by name (byte order).',
  params: [],
  schema: getAllGroupsParams,
  result: { type: 'array', items: groupWithCount },
  writes: false,
  failure: [],
  handler: (_p, ctx) => groups.listGroups(ctx.db),
});

export const searchGroups = defineProcedure({
  name: 'searchGroups',
  description: 'Search groups by name or external id (case-insensitive substring), with keyset pagination by id.',
  params: ['query', 'limit', 'cursor'],
  schema: searchGroupsParams,
  result: groupPage,
  writes: false,
  failure: false,
  async handler(p, ctx) {
    assertPageSize(p.limit);
    const filters = { query: p.query };
    const afterId = decodeCursor(p.cursor, filters);
    const rows = await groups.searchGroups(ctx.db, { query: p.query, afterId, limit: p.limit });
    return pageFrom(rows, p.limit, filters);
  },
});

export const groupProcedures = [createGroup, updateGroup, removeGroup, getGroup, getAllGroups, searchGroups];
