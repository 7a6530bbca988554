/**
 * Shared schema pieces. Every procedure schema builds on these so ids, roles, usernames and
 * pagination are validated the same way everywhere.
 *
 * Value conversions the validator performs before ajv runs (see src/core/coercion.ts) are driven by
 * these shapes: a `type: ["integer","string"]` value is an id (digit strings become numbers at both
 * endpoints); `x-trim` marks values trimmed like Kanboard trims usernames.
 */

/** Database id: integer 1..2147483647, or a string of 1–10 digits in that range. */
export const id = {
  type: ['integer', 'string'],
  minimum: 1,
  maximum: 2147483647,
  pattern: '^[0-9]{1,10}$',
} as const;

/** R-username: trimmed of space, tab, CR, LF, NUL and VT, then 1–191 characters. */
export const username = {
  type: 'string',
  'x-trim': true,
  minLength: 1,
  maxLength: 191,
  description: 'Login name; case-sensitive, trimmed, 1–191 characters',
} as const;

/** R-email: "" or a Kanboard-compatible address of at most 255 characters. */
export const email = {
  type: 'string',
  maxLength: 255,
  format: 'email',
} as const;

export const appRoles = ['app-admin', 'app-manager', 'app-user'] as const;

/** R-app-role. */
export const appRole = {
  enum: appRoles,
  description: 'Application role: app-admin, app-manager or app-user',
} as const;

/** Page size of the search procedures; above 500 is refused by the procedure (page_size_too_large). */
export const limit = {
  type: 'integer',
  minimum: 1,
  default: 100,
  description: 'Page size, 1–500',
} as const;

/** Opaque keyset cursor returned by a previous page. */
export const cursor = {
  type: ['string', 'null'],
  default: null,
  description: 'next_cursor of the previous page, or null for the first page',
} as const;

export const MAX_PAGE_SIZE = 500;

/** Search result page. */
export function pageOf(item: object) {
  return {
    type: 'object',
    properties: {
      items: { type: 'array', items: item },
      next_cursor: { type: ['string', 'null'] },
    },
    required: ['items', 'next_cursor'],
  } as const;
}

/** Params schema of a procedure that takes none. */
export const noParams = (procedure: string) =>
  ({
    $id: `${procedure}.params`,
    type: 'object',
    properties: {},
    additionalProperties: false,
  }) as const;

export const userObject = {
  type: 'object',
  description: 'User object (Kanboard shape; never a password hash or token)',
  properties: {
    id: { type: 'integer' },
    username: { type: 'string' },
    is_ldap_user: { type: 'boolean' },
    name: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    google_id: { type: ['string', 'null'] },
    github_id: { type: ['string', 'null'] },
    notifications_enabled: { type: 'boolean' },
    timezone: { type: ['string', 'null'] },
    language: { type: ['string', 'null'] },
    disable_login_form: { type: 'boolean' },
    twofactor_activated: { type: 'boolean' },
    notifications_filter: { type: 'integer' },
    nb_failed_login: { type: 'integer' },
    lock_expiration_date: { type: 'integer' },
    gitlab_id: { type: ['integer', 'null'] },
    role: { type: 'string' },
    is_active: { type: 'boolean' },
    avatar_path: { type: ['string', 'null'] },
    filter: { type: ['string', 'null'] },
    theme: { type: 'string' },
  },
} as const;
