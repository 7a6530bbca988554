/** Params (and result shapes) of the Project permission procedures (JSON-RPC contract §7.5). */
import { id } from './common';

/** R-project-role: built-in or custom, never checked against a list (typos become custom roles). */
export const projectRole = {
  type: 'string',
  minLength: 1,
  maxLength: 191,
  description: 'Project role: project-manager, project-member, project-viewer or any custom role (1–191 characters)',
} as const;

/** An id→name map: decimal-string keys, display names as values (`{}` when empty). */
export const idNameMap = {
  type: 'object',
  description: 'Map of user id (decimal string) → display name (name, or username when the name is empty)',
  propertyNames: { pattern: '^[0-9]+$' },
  additionalProperties: { type: 'string' },
} as const;

const projectIdOnly = (procedure: string) =>
  ({
    $id: `${procedure}.params`,
    type: 'object',
    properties: { project_id: id },
    required: ['project_id'],
    additionalProperties: false,
  }) as const;

export const getProjectUsersParams = projectIdOnly('getProjectUsers');

export const getAssignableUsersParams = {
  $id: 'getAssignableUsers.params',
  type: 'object',
  properties: {
    project_id: id,
    prepend_unassigned: { type: 'boolean', default: false, description: 'Also return "0": "Unassigned"' },
  },
  required: ['project_id'],
  additionalProperties: false,
} as const;

export const addProjectUserParams = {
  $id: 'addProjectUser.params',
  type: 'object',
  properties: { project_id: id, user_id: id, role: { ...projectRole, default: 'project-member' } },
  required: ['project_id', 'user_id'],
  additionalProperties: false,
} as const;

export const addProjectGroupParams = {
  $id: 'addProjectGroup.params',
  type: 'object',
  properties: { project_id: id, group_id: id, role: { ...projectRole, default: 'project-member' } },
  required: ['project_id', 'group_id'],
  additionalProperties: false,
} as const;

export const removeProjectUserParams = {
  $id: 'removeProjectUser.params',
  type: 'object',
  properties: { project_id: id, user_id: id },
  required: ['project_id', 'user_id'],
  additionalProperties: false,
} as const;

export const removeProjectGroupParams = {
  $id: 'removeProjectGroup.params',
  type: 'object',
  properties: { project_id: id, group_id: id },
  required: ['project_id', 'group_id'],
  additionalProperties: false,
} as const;

export const changeProjectUserRoleParams = {
  $id: 'changeProjectUserRole.params',
  type: 'object',
  properties: { project_id: id, user_id: id, role: projectRole },
  required: ['project_id', 'user_id', 'role'],
  additionalProperties: false,
} as const;

export const changeProjectGroupRoleParams = {
  $id: 'changeProjectGroupRole.params',
  type: 'object',
  properties: { project_id: id, group_id: id, role: projectRole },
  required: ['project_id', 'group_id', 'role'],
  additionalProperties: false,
} as const;

export const getProjectUserRoleParams = {
  $id: 'getProjectUserRole.params',
  type: 'object',
  properties: { project_id: id, user_id: id },
  required: ['project_id', 'user_id'],
  additionalProperties: false,
} as const;
