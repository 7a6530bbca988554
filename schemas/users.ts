/** Params (and result shapes) of the User procedures and searchUsers. */
import { appRole, cursor, email, id, limit, pageOf, userObject, username } from './common';

export { noParams, userObject } from './common';

const nullableString = (maxLength: number) => ({ type: ['string', 'null'], maxLength }) as const;


export const createUserParams = {
  $id: 'createUser.params',
  type: 'object',
  properties: {
    username,
    password: { type: 'string', minLength: 6, description: 'At least 6 characters; stored hashed' },
    name: { ...nullableString(255), default: '', description: 'Full name (nullable)' },
    email: { ...email, type: ['string', 'null'], default: '', description: 'Email address (nullable)' },
    // type: null is not an app role and, like every non-nullable optional param, reports keyword `type` (§2.3)
    role: { type: 'string', ...appRole, default: 'app-user' },
  },
  required: ['username', 'password'],
  additionalProperties: false,
} as const;

export const createLdapUserParams = {
  $id: 'createLdapUser.params',
  type: 'object',
  properties: { username },
  required: ['username'],
  additionalProperties: false,
} as const;

export const userIdParams = (procedure: string) =>
  ({
    $id: `${procedure}.params`,
    type: 'object',
    properties: { user_id: id },
    required: ['user_id'],
    additionalProperties: false,
  }) as const;

export const getUserByNameParams = {
  $id: 'getUserByName.params',
  type: 'object',
  properties: { username: { type: 'string', description: 'Exact, case-sensitive username' } },
  required: ['username'],
  additionalProperties: false,
} as const;


export const updateUserParams = {
  $id: 'updateUser.params',
  type: 'object',
  properties: {
    id,
    username: { ...username, type: ['string', 'null'] },
    name: nullableString(255),
    email: { ...email, type: ['string', 'null'] },
    role: { enum: ['app-admin', 'app-manager', 'app-user', null], description: appRole.description },
  },
  required: ['id'],
  minProperties: 2,
  additionalProperties: false,
} as const;

export const searchUsersParams = {
  $id: 'searchUsers.params',
  type: 'object',
  properties: {
    query: { type: 'string', maxLength: 255, default: '', description: 'Case-insensitive substring of username, name or email' },
    role: { enum: ['app-admin', 'app-manager', 'app-user', null], default: null, description: 'Only users with this app role' },
    is_active: { type: ['boolean', 'null'], default: null, description: 'Only active (true) or disabled (false) users' },
    limit,
    cursor,
  },
  additionalProperties: false,
} as const;

export const userPage = pageOf(userObject);

export const createMyAppPasswordParams = {
  $id: 'createMyAppPassword.params',
  type: 'object',
  properties: { name: { type: 'string', minLength: 1, maxLength: 64, description: 'A label for the app password' } },
  required: ['name'],
  additionalProperties: false,
} as const;

export const appPasswordResult = {
  type: 'object',
  description: 'The new app password; the token is shown only in this response',
  properties: { id: { type: 'integer' }, name: { type: 'string' }, token: { type: 'string' } },
  required: ['id', 'name', 'token'],
} as const;
