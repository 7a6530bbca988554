/**
 * Params of the nmcuser_oidc-only procedures (nmcuser-oidc §6). The adapter has applied the field
 * type rules of §3: strings are strings, booleans booleans, an integer quota is its decimal text,
 * and a field not given (or null) is absent. The procedures check the values.
 */
const text = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;
const count = { type: ['integer', 'null'], minimum: 0, default: null } as const;

function oidcParams<const P extends Record<string, object>, const R extends readonly string[]>(procedure: string, properties: P, required: R) {
  return { $id: `${procedure}.params`, type: 'object', properties, required, additionalProperties: false } as const;
}

const userFields = { displayname: text, email: text, altemail: text, quota: text, migrated: flag, enabled: flag } as const;

export const oidcListUsersParams = oidcParams('oidcListUsers', { provider: text, pattern: { type: 'string', default: '' }, limit: count, offset: count }, ['provider']);
export const oidcCreateUserParams = oidcParams('oidcCreateUser', { provider: text, username: text, ...userFields }, ['provider']);
export const oidcUserParams = (procedure: string) => oidcParams(procedure, { provider: text, id: text }, ['provider', 'id']);
export const oidcUpdateUserParams = oidcParams('oidcUpdateUser', { provider: text, id: text, ...userFields }, ['provider', 'id']);

/** Results are rendered by the adapter (src/core/oidcViews.ts). */
export const oidcResult = { type: ['object', 'array', 'string', 'null'] } as const;
