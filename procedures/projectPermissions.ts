/**
 * Project permission procedures (JSON-RPC contract §7.5): direct and group grants, the member maps
 * and a user's effective role. Access (viewer / manager on the project) is checked by the
 * dispatcher before a handler runs, so in user mode the project always exists here.
 */
import { AppError, notFound } from '../src/core/errors';
import { defineProcedure, type Context } from '../src/core/procedure';
import * as grants from '../src/db/repositories/projectPermissions';
import { projectExists } from '../src/db/repositories/projects';
import { projectRoleOf } from '../src/db/repositories/projectAccess';
import {
  addProjectGroupParams,
  addProjectUserParams,
  changeProjectGroupRoleParams,
  changeProjectUserRoleParams,
  getAssignableUsersParams,
  getProjectUserRoleParams,
  getProjectUsersParams,
  idNameMap,
  projectRole,
  removeProjectGroupParams,
  removeProjectUserParams,
} from '../schemas/projectPermissions';
import { recordProjectEvent } from './activity';

const noUserGrant = () => notFound('project_user');
const noGroupGrant = () => notFound('project_group');
const done = { type: 'boolean', const: true } as const;

async function requireProject(ctx: Context, projectId: number): Promise<void> {
  if (!(await projectExists(ctx.db, projectId))) throw notFound('project', projectId);
}

async function requireUser(ctx: Context, userId: number): Promise<grants.UserSnapshot> {
  const user = await grants.findUserSnapshot(ctx.db, userId);
  if (!user) throw notFound('user', userId);
  return user;
}

async function requireGroup(ctx: Context, groupId: number): Promise<grants.GroupSnapshot> {
  const group = await grants.findGroupSnapshot(ctx.db, groupId);
  if (!group) throw notFound('group', groupId);
  return group;
}

const userData = (user: grants.UserSnapshot) => ({ user_id: user.id, username: user.username, name: user.name });
const groupData = (group: grants.GroupSnapshot) => ({ group_id: group.id, group_name: group.name });

export const getProjectUsers = defineProcedure({
  name: 'getProjectUsers',
  description: 'Map of user id → display name of every user holding a direct or group grant on the project (any role, active or not).',
  params: ['project_id'],
  schema: getProjectUsersParams,
  result: idNameMap,
  writes: false,
  failure: {},
  async handler(p, ctx) {
    await requireProject(ctx, p.project_id);
    return grants.projectUsers(ctx.db, p.project_id);
  },
});

export const getAssignableUsers = defineProcedure({
  name: 'getAssignableUsers',
  description:
    'Map of user id → display name of the active users holding at least one non-viewer grant (direct or through a group; custom roles count). With prepend_unassigned the map also holds "0": "Unassigned".',
  params: ['project_id', 'prepend_unassigned'],
  schema: getAssignableUsersParams,
  result: idNameMap,
  writes: false,
  failure: {},
  async handler(p, ctx) {
    const head: grants.IdNameMap = p.prepend_unassigned ? { 0: 'Unassigned' } : {};
    if (!(await projectExists(ctx.db, p.project_id))) {
      // Kanboard answers an unknown project with the (possibly prepended) empty map.
      throw new AppError('NOT_FOUND', { resource: 'project', id: p.project_id, failureValue: head });
    }
    return { ...head, ...(await grants.assignableUsers(ctx.db, p.project_id)) };
  },
});

export const addProjectUser = defineProcedure({
  name: 'addProjectUser',
  description: 'Grant a user a role on the project (default project-member). Fails when the user already has a direct grant.',
  params: ['project_id', 'user_id', 'role'],
  schema: addProjectUserParams,
  result: done,
  writes: true,
  failure: false,
  async handler(p, ctx) {
    await requireProject(ctx, p.project_id);
    const user = await requireUser(ctx, p.user_id);
    if ((await grants.directUserRole(ctx.db, p.project_id, p.user_id)) !== null) {
      throw new AppError('ALREADY_EXISTS', { resource: 'project_user' });
    }
    await grants.insertUserGrant(ctx.db, p.project_id, p.user_id, p.role);
    await recordProjectEvent(ctx, p.project_id, 'project.user.add', { ...userData(user), role: p.role });
    return true as const;
  },
});

export const addProjectGroup = defineProcedure({
  name: 'addProjectGroup',
  description: 'Grant a group a role on the project (default project-member). Fails when the group already has a grant.',
  params: ['project_id', 'group_id', 'role'],
  schema: addProjectGroupParams,
  result: done,
  writes: true,
  failure: false,
  async handler(p, ctx) {
    await requireProject(ctx, p.project_id);
    const group = await requireGroup(ctx, p.group_id);
    if ((await grants.groupRole(ctx.db, p.project_id, p.group_id)) !== null) {
      throw new AppError('ALREADY_EXISTS', { resource: 'project_group' });
    }
    await grants.insertGroupGrant(ctx.db, p.project_id, p.group_id, p.role);
    await recordProjectEvent(ctx, p.project_id, 'project.group.add', { ...groupData(group), role: p.role });
    return true as const;
  },
});

export const removeProjectUser = defineProcedure({
  name: 'removeProjectUser',
  description: "Remove a user's direct grant (its group grants are untouched).",
  params: ['project_id', 'user_id'],
  schema: removeProjectUserParams,
  result: done,
  writes: true,
  failure: false,
  async handler(p, ctx) {
    await requireProject(ctx, p.project_id);
    if ((await grants.deleteUserGrant(ctx.db, p.project_id, p.user_id)) === null) throw noUserGrant();
    // A grant row implies the user exists (foreign key, same transaction).
    const user = await requireUser(ctx, p.user_id);
    await recordProjectEvent(ctx, p.project_id, 'project.user.remove', userData(user));
    return true as const;
  },
});

export const removeProjectGroup = defineProcedure({
  name: 'removeProjectGroup',
  description: "Remove a group's grant on the project.",
  params: ['project_id', 'group_id'],
  schema: removeProjectGroupParams,
  result: done,
  writes: true,
  failure: false,
  async handler(p, ctx) {
    await requireProject(ctx, p.project_id);
    if ((await grants.deleteGroupGrant(ctx.db, p.project_id, p.group_id)) === null) throw noGroupGrant();
    const group = await requireGroup(ctx, p.group_id);
    await recordProjectEvent(ctx, p.project_id, 'project.group.remove', groupData(group));
    return true as const;
  },
});

export const changeProjectUserRole = defineProcedure({
  name: 'changeProjectUserRole',
  description: "Change the role of a user's direct grant (role is required).",
  params: ['project_id', 'user_id', 'role'],
  schema: changeProjectUserRoleParams,
  result: done,
  writes: true,
  failure: false,
  async handler(p, ctx) {
    await requireProject(ctx, p.project_id);
    const previous = await grants.directUserRole(ctx.db, p.project_id, p.user_id);
    if (previous === null) throw noUserGrant();
    if (previous === p.role) return true as const;
    await grants.updateUserGrantRole(ctx.db, p.project_id, p.user_id, p.role);
    const user = await requireUser(ctx, p.user_id);
    await recordProjectEvent(ctx, p.project_id, 'project.user.role', { ...userData(user), role: p.role, previous_role: previous });
    return true as const;
  },
});

export const changeProjectGroupRole = defineProcedure({
  name: 'changeProjectGroupRole',
  description: "Change the role of a group's grant (role is required).",
  params: ['project_id', 'group_id', 'role'],
  schema: changeProjectGroupRoleParams,
  result: done,
  writes: true,
  failure: false,
  async handler(p, ctx) {
    await requireProject(ctx, p.project_id);
    const previous = await grants.groupRole(ctx.db, p.project_id, p.group_id);
    if (previous === null) throw noGroupGrant();
    if (previous === p.role) return true as const;
    await grants.updateGroupGrantRole(ctx.db, p.project_id, p.group_id, p.role);
    const group = await requireGroup(ctx, p.group_id);
    await recordProjectEvent(ctx, p.project_id, 'project.group.role', { ...groupData(group), role: p.role, previous_role: previous });
    return true as const;
  },
});

export const getProjectUserRole = defineProcedure({
  name: 'getProjectUserRole',
  description:
    "The user's effective role on the project: its direct grant, else its best group grant (project-manager > custom > project-member > project-viewer); custom roles are returned as stored; \"\" when it has none.",
  params: ['project_id', 'user_id'],
  schema: getProjectUserRoleParams,
  result: { ...projectRole, minLength: 0, description: 'The role, or "" when the user has none' },
  writes: false,
  failure: '',
  async handler(p, ctx) {
    await requireProject(ctx, p.project_id);
    await requireUser(ctx, p.user_id);
    return (await projectRoleOf(ctx.db, p.project_id, p.user_id)) ?? '';
  },
});

export const projectPermissionProcedures = [
  getProjectUsers,
  getAssignableUsers,
  addProjectUser,
  addProjectGroup,
  removeProjectUser,
  removeProjectGroup,
  changeProjectUserRole,
  changeProjectGroupRole,
  getProjectUserRole,
];
