/**
 * Types shared by the dispatcher, the procedures and the adapters: the procedure descriptor, the
 * caller (principal) and the per-call context. Types only; no runtime imports.
 */
import type { Knex } from 'knex';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

export type AppRole = 'app-user' | 'app-manager' | 'app-admin';
export type ProjectRole = 'project-viewer' | 'project-member' | 'project-manager';

/** The user behind a user-mode call, as authentication found it. */
export interface AuthenticatedUser {
  id: number;
  username: string;
  role: AppRole;
}

/** `ldap_password`: an LDAP user's password, verified by a bind to the directory. */
export type CredentialKind = 'password' | 'ldap_password' | 'personal_token' | 'app_password';

export type Principal =
  | { kind: 'app' }
  | { kind: 'user'; user: AuthenticatedUser; via: CredentialKind };

/** Which adapter a call came through (for logs and audit). */
export type Surface = 'jsonrpc' | 'rpc' | 'ocs' | 'nmcuser_oidc' | 'cli';

export interface PasswordService {
  /** Hash a new password off the event loop. */
  hash(plain: string): Promise<string>;
  /** Verify a password against a stored bcrypt (`$2y$`, `$2b$`, `$2a$`) hash off the event loop. */
  verify(plain: string, hash: string): Promise<boolean>;
}

/** Settings procedures may read; a frozen slice of the process configuration. */
export interface ProcedureSettings {
  kanboardVersion: string;
  applicationUrl: string;
  disablePrivateProjects: boolean;
  /** Roster's own version and licence (package.json): the OCS app catalogue shows them. */
  rosterVersion: string;
  rosterLicence: string;
  rosterAuthor: string;
  /** Quota of users whose stored quota is `default` (DEFAULT_QUOTA): `none` or bytes. */
  defaultQuota: 'none' | number;
  /** Send the welcome email after OCS user creation (OCS_SEND_WELCOME_EMAIL). */
  sendWelcomeEmailOnCreate: boolean;
  /** PUBLIC_URL, when configured: the service URL named in emails. */
  publicUrl: string | undefined;
}

/** What the welcome email says (ocs-provisioning §9). */
export interface WelcomeMessage {
  /** Display name (the username when the user has no name). */
  displayName: string;
  email: string;
  username: string;
  /** The service URL named in the message. */
  serviceUrl: string;
}

/** Outgoing mail. Sending never holds a database connection and is bounded in time. */
export interface MailService {
  /** Whether SMTP_URL is configured. */
  readonly configured: boolean;
  /**
   * Sends one welcome email; resolves when the SMTP server accepted it, rejects (a MailError) when
   * mail is not configured, the server refused it or SMTP_TIMEOUT_MS ran out.
   */
  sendWelcome(message: WelcomeMessage, log: { requestId: string }): Promise<void>;
}

/** One directory entry found by the LDAP user filter; values as the directory holds them. */
export interface LdapUserEntry {
  dn: string;
  /** First value of LDAP_USER_ATTRIBUTE_USERNAME ("" when none). */
  username: string;
  /** First value of LDAP_USER_ATTRIBUTE_FULLNAME ("" when none). */
  name: string;
  /** First value of LDAP_USER_ATTRIBUTE_EMAIL ("" when none; not checked). */
  email: string;
  /**
   * Values of LDAP_USER_ATTRIBUTE_GROUPS (none when unset): `value` as stored (e.g. a group DN from
   * `memberOf`), `name` the value of its first RDN when it is a DN (`cn=dev,ou=groups,…` → `dev`),
   * else the value itself.
   */
  groups: { value: string; name: string }[];
}

/**
 * The outcome of a directory lookup. `not_found`: zero or several entries; `not_configured`: no
 * LDAP_URL, or the `ldap` component is disabled (then no connection is made); `unavailable`:
 * connection, bind or search error, or LDAP_TIMEOUT_MS ran out (logged once as a warning).
 */
export type LdapLookup =
  | { status: 'found'; user: LdapUserEntry }
  | { status: 'not_found'; several: boolean }
  | { status: 'not_configured' }
  | { status: 'unavailable' };

/** The outcome of an LDAP password check; `invalid` covers users the directory does not know. */
export type LdapPasswordCheck = 'valid' | 'invalid' | 'not_configured' | 'unavailable';

/** The LDAP directory (users created by createLdapUser and their password logins). */
export interface LdapService {
  /** Whether LDAP_URL is configured (the `ldap` component may still be disabled). */
  readonly configured: boolean;
  /** Searches the user filter for `username` (RFC 4515-escaped), bounded by LDAP_TIMEOUT_MS. */
  findUser(username: string, log: { requestId?: string }): Promise<LdapLookup>;
  /**
   * Finds the user's entry like findUser, then binds as its DN with `password`. An empty password
   * is `invalid` without contacting the directory (an empty simple bind is an unauthenticated bind).
   */
  verifyPassword(username: string, password: string, log: { requestId?: string }): Promise<LdapPasswordCheck>;
}

/** Minting of secrets handed out once (only their digests are stored). */
export interface SecretService {
  /** A new 72-character app password and the SHA-256 hex digest to store. */
  newAppPassword(): { token: string; sha256: string };
}

export interface Services {
  passwords: PasswordService;
  secrets: SecretService;
  settings: ProcedureSettings;
  /** Current time in Unix seconds (injectable for tests). */
  now(): number;
  /** The OpenRPC document of the JSON-RPC surface (rpc.discover). */
  apiDescription(): object;
  mail: MailService;
  ldap: LdapService;
}

/**
 * What a writing procedure adds to its call's audit record (src/core/audit.ts): a more specific
 * action, the target, details such as the id of a minted app password. Never a secret.
 */
export interface AuditNote {
  action?: string;
  targetUsername?: string | null;
  target?: string;
  details?: Record<string, unknown>;
}

export interface Context {
  principal: Principal;
  /** The knex instance or, for writing procedures, the call's transaction. Use nothing else. */
  db: Knex;
  requestId: string;
  surface: Surface;
  /** The caller's network address as the adapter saw it (audit); "" when unknown. */
  clientAddress: string;
  services: Services;
  /**
   * Runs `task` after the call's transaction commits (at once for read-only calls), without
   * waiting for it; a task's failure is the task's own business (log it).
   */
  afterCommit(task: () => Promise<void>): void;
  /** Adds to the audit record that a successful writing call gets in its own transaction. */
  audit(note: AuditNote): void;
}

/** A JSON Schema describing a procedure's named params (an object schema with `$id`). */
export interface ParamsSchema {
  readonly $id: string;
  readonly type: 'object';
  readonly properties: Readonly<Record<string, JSONSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly minProperties?: number;
}

/** ids are declared as integer-or-digit-string and arrive as numbers (the validator converts them). */
type NarrowId<T> = [T] extends [readonly (infer E)[]]
  ? NarrowId<E>[]
  : string extends T
    ? number extends T
      ? Exclude<T, string>
      : T
    : T;

/** The params a handler receives: the schema's type, with ids already converted to numbers. */
export type ParamsOf<S extends ParamsSchema> = S extends JSONSchema ? NarrowAll<FromSchema<S>> : never;
type NarrowAll<T> = { [K in keyof T]: NarrowId<T[K]> };

export interface Procedure<P = Record<string, unknown>, R = unknown, Prep = unknown> {
  /** Canonical wire name, e.g. `createUser`. */
  name: string;
  /** Served by rpc.discover. */
  description: string;
  /** Parameter names in Kanboard's positional order. */
  params: readonly string[];
  schema: ParamsSchema;
  /** JSON Schema of a successful result (documentation). */
  result: JSONSchema;
  /** Writing procedures run in one transaction. */
  writes: boolean;
  /**
   * The result is an array too large to hold at once: the handler returns an AsyncIterable of pages
   * (arrays) instead, read from one snapshot (a read-only transaction that stays open until the last
   * page was read). Callers that write results piece by piece get it as a StreamedArray
   * (src/core/streamedArray.ts), every other caller as the whole array. Never with `writes`.
   */
  streams?: boolean;
  /**
   * The adapters that may call it; absent means the JSON-RPC surfaces (`jsonrpc`, `rpc`) and the
   * CLI. OCS-only procedures say `['ocs']` so they never appear on JSON-RPC (ocs-provisioning §2.5).
   */
  surfaces?: readonly Surface[];
  /**
   * The procedure answers NUL characters in its string params itself (a NUL can never be stored, so
   * lookups find nothing and new values are invalid with the endpoint's own message); without it the
   * validator refuses them first.
   */
  nulSafe?: boolean;
  /** Update procedures: a `null` param means "leave unchanged" and is dropped before validation. */
  nullMeansAbsent?: boolean;
  /** What Kanboard answers when the call fails (`false`, `null`, `""`, `[]`, `{}`). */
  failure: unknown;
  /** Work done before the transaction opens (e.g. password hashing), so no connection is held. */
  prepare?: (params: P, ctx: Omit<Context, 'db' | 'afterCommit' | 'audit'>) => Promise<Prep>;
  handler: (params: P, ctx: Context, prepared: Prep) => Promise<R>;
}

// The registry holds procedures of many param types; handlers are only ever called with params the
// validator produced from the same descriptor's schema.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProcedure = Procedure<any, unknown, any>;

/** Declares a procedure with its handler's params typed from its schema. */
export function defineProcedure<const S extends ParamsSchema, R, Prep = undefined>(
  descriptor: Omit<Procedure<ParamsOf<S>, R, Prep>, 'schema'> & { schema: S },
): AnyProcedure {
  return descriptor as AnyProcedure;
}
