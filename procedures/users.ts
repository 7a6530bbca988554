/** User procedures (JSON-RPC contract §7.1) and searchUsers (§8.1). */
import { AppError, notFound } from '../src/core/errors';
import { defineProcedure, type LdapUserEntry } from '../src/core/procedure';
import { isValidEmail } from '../src/core/emailFormat';
import { trimKanboard } from '../src/core/coercion';
import { characterCount, hasNul } from '../src/core/text';
import * as users from '../src/db/repositories/users';
import { addMember, findGroupsForDirectory } from '../src/db/repositories/groups';
import {
  createLdapUserParams,
  createUserParams,
  getUserByNameParams,
  noParams,
  searchUsersParams,
  updateUserParams,
  userIdParams,
  userObject,
  userPage,
} from '../schemas/users';
import { assertPageSize, decodeCursor, pageFrom } from './cursor';

/** Users read (and written to the wire) at a time by getAllUsers: about 440 KB of JSON. */
const ALL_USERS_PAGE_SIZE = 1000;

const userNotFound = (id?: number) => notFound('user', id);
const usernameTaken = () => new AppError('ALREADY_EXISTS', { resource: 'user', field: 'username' });

export const createUser = defineProcedure({
  name: 'createUser',
  description: 'Create a user with a local password. Returns the new user id.',
  params: ['username', 'password', 'name', 'email', 'role'],
  schema: createUserParams,
  result: { type: 'integer' },
  writes: true,
  failure: false,
  prepare: (p, ctx) => ctx.services.passwords.hash(p.password),
  async handler(p, ctx, passwordHash: string) {
    if (await users.usernameTaken(ctx.db, p.username)) throw usernameTaken();
    return users.insertUser(ctx.db, { username: p.username, password: passwordHash, name: p.name, email: p.email, role: p.role });
  },
});

/** The user createLdapUser stores, from the directory entry (contract §7.1). */
interface LdapNewUser {
  username: string;
  name: string;
  email: string;
  groups: LdapUserEntry['groups'];
}

/** §7.1: username = trimmed first value (none, or not a valid username → not found); invalid email → "". */
function fromDirectory(entry: LdapUserEntry): LdapNewUser {
  const username = trimKanboard(entry.username);
  if (username === '' || characterCount(username) > 191 || hasNul(username)) throw notFound('ldap_user');
  const name = hasNul(entry.name) ? '' : [...entry.name].slice(0, 255).join('');
  const email = !hasNul(entry.email) && isValidEmail(entry.email) ? entry.email : '';
  return { username, name, email, groups: entry.groups };
}

export const createLdapUser = defineProcedure({
  name: 'createLdapUser',
  description:
    'Create a user from the LDAP directory: the single entry LDAP_USER_FILTER finds for the username gives the username, name and email; ' +
    'the user is app-user, is_ldap_user, without a local password, and logs in with its directory password. With LDAP_USER_ATTRIBUTE_GROUPS ' +
    'it joins the existing groups the directory names (by external_id or name; never admin). Returns the new user id. ' +
    'Fails with ldap_not_configured (no LDAP_URL or the ldap app disabled), ldap_unavailable, not found (ldap_user: no or several entries) or already exists.',
  params: ['username'],
  schema: createLdapUserParams,
  result: { type: 'integer' },
  writes: true,
  failure: false,
  // the directory is asked before the transaction opens, so no database connection waits on LDAP
  async prepare(p, ctx): Promise<LdapNewUser> {
    const lookup = await ctx.services.ldap.findUser(p.username, { requestId: ctx.requestId });
    if (lookup.status === 'not_configured') throw new AppError('PRECONDITION_FAILED', { reason: 'ldap_not_configured' });
    if (lookup.status === 'unavailable') throw new AppError('PRECONDITION_FAILED', { reason: 'ldap_unavailable' });
    if (lookup.status === 'not_found') throw notFound('ldap_user');
    return fromDirectory(lookup.user);
  },
  async handler(_p, ctx, user: LdapNewUser) {
    if (await users.usernameTaken(ctx.db, user.username)) throw usernameTaken();
    const id = await users.insertUser(ctx.db, { username: user.username, password: null, name: user.name, email: user.email, role: 'app-user', is_ldap_user: true });
    const groups = await findGroupsForDirectory(ctx.db, user.groups.map((g) => g.value), user.groups.flatMap((g) => [g.value, g.name]));
    for (const group of groups) await addMember(ctx.db, group.id, id);
    return id;
  },
});

export const getUser = defineProcedure({
  name: 'getUser',
  description: 'Get a user by id.',
  params: ['user_id'],
  schema: userIdParams('getUser'),
  result: userObject,
  writes: false,
  failure: null,
  async handler(p, ctx) {
    const user = await users.findUserById(ctx.db, p.user_id);
    if (!user) throw userNotFound(p.user_id);
    return user;
  },
});

export const getUserByName = defineProcedure({
  name: 'getUserByName',
  description: 'Get a user by exact, case-sensitive username.',
  params: ['username'],
  schema: getUserByNameParams,
  result: userObject,
  writes: false,
  failure: null,
  async handler(p, ctx) {
    const user = await users.findUserByUsername(ctx.db, p.username);
    if (!user) throw userNotFound();
    return user;
  },
});

export const getAllUsers = defineProcedure({
  name: 'getAllUsers',
  description: 'All users, ordered by username (byte order).',
  params: [],
  schema: noParams('getAllUsers'),
  result: { type: 'array', items: userObject },
  writes: false,
  failure: [],
  // 100,000 users are 42 MB of JSON: the answer is written page by page as the cursor reads them
  streams: true,
  handler: async (_p, ctx) => users.allUsersInPages(ctx.db, ALL_USERS_PAGE_SIZE),
});

export const updateUser = defineProcedure({
  name: 'updateUser',
  description: 'Change username, name, email or role; null or absent fields stay unchanged. There is no password parameter.',
  params: ['id', 'username', 'name', 'email', 'role'],
  schema: updateUserParams,
  result: { type: 'boolean', const: true },
  writes: true,
  nullMeansAbsent: true,
  failure: false,
  async handler(p, ctx) {
    if (p.username !== undefined && p.username !== null && (await users.usernameTaken(ctx.db, p.username, p.id))) throw usernameTaken();
    const changes: users.UserChanges = {};
    if (typeof p.username === 'string') changes.username = p.username;
    if (typeof p.name === 'string') changes.name = p.name;
    if (typeof p.email === 'string') changes.email = p.email;
    if (typeof p.role === 'string') changes.role = p.role;
    if (!(await users.updateUser(ctx.db, p.id, changes))) throw userNotFound(p.id);
    return true as const;
  },
});

export const removeUser = defineProcedure({
  name: 'removeUser',
  description: 'Delete a user, its memberships, grants, app passwords and the private projects it belongs to.',
  params: ['user_id'],
  schema: userIdParams('removeUser'),
  result: { type: 'boolean', const: true },
  writes: true,
  failure: false,
  async handler(p, ctx) {
    if (!(await users.deleteUser(ctx.db, p.user_id))) throw userNotFound(p.user_id);
    return true as const;
  },
});

export const disableUser = defineProcedure({
  name: 'disableUser',
  description: 'Disable a user (it can no longer authenticate) and deactivate the private projects it owns.',
  params: ['user_id'],
  schema: userIdParams('disableUser'),
  result: { type: 'boolean', const: true },
  writes: true,
  failure: false,
  async handler(p, ctx) {
    if (!(await users.setUserActive(ctx.db, p.user_id, false))) throw userNotFound(p.user_id);
    await users.deactivateOwnedPrivateProjects(ctx.db, p.user_id);
    return true as const;
  },
});

export const enableUser = defineProcedure({
  name: 'enableUser',
  description: 'Enable a user again (its private projects stay as they are).',
  params: ['user_id'],
  schema: userIdParams('enableUser'),
  result: { type: 'boolean', const: true },
  writes: true,
  failure: false,
  async handler(p, ctx) {
    if (!(await users.setUserActive(ctx.db, p.user_id, true))) throw userNotFound(p.user_id);
    return true as const;
  },
});

export const isActiveUser = defineProcedure({
  name: 'isActiveUser',
  description: 'Whether the user exists and is active.',
  params: ['user_id'],
  schema: userIdParams('isActiveUser'),
  result: { type: 'boolean' },
  writes: false,
  failure: false,
  async handler(p, ctx) {
    const user = await users.findUserById(ctx.db, p.user_id);
    if (!user) throw userNotFound(p.user_id);
    return user.is_active;
  },
});

export const searchUsers = defineProcedure({
  name: 'searchUsers',
  description: 'Search users by username, name or email (case-insensitive substring), with keyset pagination by id.',
  params: ['query', 'role', 'is_active', 'limit', 'cursor'],
  schema: searchUsersParams,
  result: userPage,
  writes: false,
  failure: false,
  async handler(p, ctx) {
    assertPageSize(p.limit);
    const filters = { query: p.query, role: p.role ?? null, is_active: p.is_active ?? null };
    const afterId = decodeCursor(p.cursor, filters);
    const rows = await users.searchUsers(ctx.db, { query: p.query, role: filters.role, isActive: filters.is_active, afterId, limit: p.limit });
    return pageFrom(rows, p.limit, filters);
  },
});

export const userProcedures = [
  createUser, createLdapUser, getUser, getUserByName, getAllUsers, updateUser, removeUser, disableUser, enableUser, isActiveUser, searchUsers,
];
