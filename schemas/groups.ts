/** Params (and result shapes) of the Group and Group member procedures and searchGroups. */
import { cursor, id, limit, pageOf, userObject } from './common';

/** R-group-name: 1–191 characters, not only whitespace, stored as given (not trimmed). */
export const groupName = {
  type: 'string',
  minLength: 1,
  maxLength: 191,
  pattern: '\\S',
  description: 'Group name; exact and unique, 1–191 characters, not only whitespace',
} as const;

const externalId = {
  type: ['string', 'null'],
  maxLength: 255,
  description: 'External (e.g. LDAP or OIDC) identifier; duplicates allowed',
} as const;

export const groupObject = {
  type: 'object',
  description: 'Group (getGroup, getMemberGroups)',
  properties: { id: { type: 'integer' }, external_id: { type: 'string' }, name: { type: 'string' } },
  required: ['id', 'external_id', 'name'],
} as const;

export const groupWithCount = {
  type: 'object',
  description: 'Group with its member count (getAllGroups, searchGroups)',
  properties: { id: { type: 'integer' }, name: { type: 'string' }, external_id: { type: 'string' }, nb_users: { type: 'integer' } },
  required: ['id', 'name', 'external_id', 'nb_users'],
} as const;

export const groupMemberObject = {
  type: 'object',
  description: 'Group membership: group_id, user_id, then the user object',
  properties: { group_id: { type: 'integer' }, user_id: { type: 'integer' }, ...userObject.properties },
} as const;

export const createGroupParams = {
  $id: 'createGroup.params',
  type: 'object',
  properties: {
    name: groupName,
    external_id: { ...externalId, default: '', description: 'External identifier; null is stored as ""' },
  },
  required: ['name'],
  additionalProperties: false,
} as const;

export const updateGroupParams = {
  $id: 'updateGroup.params',
  type: 'object',
  properties: {
    group_id: id,
    name: { ...groupName, type: ['string', 'null'] },
    external_id: externalId,
  },
  required: ['group_id'],
  minProperties: 2,
  additionalProperties: false,
} as const;

export const groupIdParams = (procedure: string) =>
  ({
    $id: `${procedure}.params`,
    type: 'object',
    properties: { group_id: id },
    required: ['group_id'],
    additionalProperties: false,
  }) as const;

export const memberParams = (procedure: string) =>
  ({
    $id: `${procedure}.params`,
    type: 'object',
    properties: { group_id: id, user_id: id },
    required: ['group_id', 'user_id'],
    additionalProperties: false,
  }) as const;

export const getMemberGroupsParams = {
  $id: 'getMemberGroups.params',
  type: 'object',
  properties: { user_id: id },
  required: ['user_id'],
  additionalProperties: false,
} as const;

export const getAllGroupsParams = {
  $id: 'getAllGroups.params',
  type: 'object',
  properties: {},
  additionalProperties: false,
} as const;

export const searchGroupsParams = {
  $id: 'searchGroups.params',
  type: 'object',
  properties: {
    query: { type: 'string', maxLength: 255, default: '', description: 'Case-insensitive substring of name or external_id' },
    limit,
    cursor,
  },
  additionalProperties: false,
} as const;

export const groupPage = pageOf(groupWithCount);
