/**
 * The fields of one user in `roster import` and `roster export`, and the JSON Schema a row is
 * validated against. The schema is assembled from the createUser and createGroup params schemas
 * (without their defaults), so a row obeys the same rules as the API.
 */
import type { AppRole } from '../core/procedure';
import { createUserParams } from '../../schemas/users';
import { groupName } from '../../schemas/groups';

/** Every column/key a file may hold, in the order export writes them (`password` excepted). */
export const IMPORT_FIELDS = ['username', 'name', 'email', 'role', 'password', 'password_hash', 'groups', 'quota', 'enabled'] as const;

export type ImportField = (typeof IMPORT_FIELDS)[number];

export type InputFormat = 'csv' | 'jsonl';

/** Separator of group names in a CSV `groups` cell. */
export const CSV_GROUP_SEPARATOR = ';';

/** A validated row. An absent field was not given: its default on creation, unchanged on --update. */
export interface ImportRow {
  /** Physical line of the file where the row starts (CSV header = line 1). */
  line: number;
  username: string;
  name?: string | null;
  email?: string | null;
  role?: AppRole;
  /** Plain text, hashed with the service's bcrypt settings. */
  password?: string;
  /** An existing bcrypt hash, stored as it is; null = no password. */
  passwordHash?: string | null;
  /** Distinct group names, in file order. */
  groups?: string[];
  /** Stored quota text: `none`, `default` or decimal bytes. */
  quota?: string;
  enabled?: boolean;
}

/** One problem of one row (`field` absent for the row as a whole). */
export interface RowError {
  line: number;
  field?: string;
  message: string;
}

export function formatRowError(error: RowError): string {
  return error.field ? `line ${error.line}: ${error.field}: ${error.message}` : `line ${error.line}: ${error.message}`;
}

/**
 * A bcrypt hash as PHP (`$2y$`), OpenBSD (`$2a$`, `$2b$`) and node's bcrypt write it: cost 04–31,
 * 22 salt and 31 hash characters of bcrypt's base64 alphabet.
 */
export const BCRYPT_HASH_PATTERN = '^\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}$';

/** Drops `default` (an absent field must stay absent) and `description`. */
function rule<T extends object>(schema: T): Omit<T, 'default' | 'description'> {
  const copy: Record<string, unknown> = { ...(schema as Record<string, unknown>) };
  delete copy.default;
  delete copy.description;
  return copy as Omit<T, 'default' | 'description'>;
}

const createUser = createUserParams.properties;

/** A row after the format's conversions (CSV cells to values). */
export const importRowSchema = {
  $id: 'roster.importRow',
  type: 'object',
  properties: {
    username: rule(createUser.username),
    name: rule(createUser.name),
    email: rule(createUser.email),
    role: rule(createUser.role),
    password: rule(createUser.password),
    password_hash: { type: ['string', 'null'], pattern: BCRYPT_HASH_PATTERN },
    groups: { type: 'array', items: rule(groupName) },
    quota: { type: ['string', 'integer'] },
    enabled: { type: 'boolean' },
  },
  required: ['username'],
  additionalProperties: false,
} as const;
