/**
 * The LDAP directory (JSON-RPC contract §7.1 createLdapUser; LDAP password logins replace §4.3's
 * "no LDAP password login").
 *
 * - Every operation opens its own connection to LDAP_URL (`ldap://`, `ldaps://`, or `ldap://` with
 *   StartTLS when LDAP_START_TLS is set; certificates are always verified), binds with
 *   LDAP_BIND_DN / LDAP_BIND_PASSWORD (anonymously when both are unset), searches the subtree of
 *   LDAP_USER_BASE_DN with LDAP_USER_FILTER whose every `%s` is the username escaped per RFC 4515,
 *   and closes the connection. One deadline (LDAP_TIMEOUT_MS) bounds connect, binds and search;
 *   when it passes the socket is destroyed.
 * - A password check searches like that and then binds as the single entry's DN with the password.
 *   An empty password is refused before any connection: an LDAP simple bind with a DN and an empty
 *   password is an unauthenticated bind that many servers answer with success (RFC 4513 §5.1.2).
 * - Before any connection the `ldap` component's state is read (`enabled`); a disabled component
 *   behaves as if LDAP were not configured (ocs-provisioning §8.2).
 * - A failure to reach or use the directory is logged once as a warning (request id, operation,
 *   username, error name; never a password) and reported as `unavailable`.
 */
import net from 'node:net';
import type * as Ldapts from 'ldapts';
import type { Client, Entry } from 'ldapts';
import type { LdapLookup, LdapPasswordCheck, LdapService, LdapUserEntry } from '../core/procedure';

/** ldapts, loaded when LDAP is first used: most instances never talk to a directory, and loading it costs start time. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred until used (start time)
const ldapts = (): typeof Ldapts => require('ldapts') as typeof Ldapts;

export interface LdapSettings {
  /** LDAP_URL: `ldap://host[:port]` or `ldaps://host[:port]`. */
  url: string;
  /** LDAP_BIND_DN / LDAP_BIND_PASSWORD; both undefined = anonymous bind. */
  bindDn: string | undefined;
  bindPassword: string | undefined;
  userBaseDn: string;
  /** LDAP_USER_FILTER, with `%s` for the escaped username. */
  userFilter: string;
  usernameAttribute: string;
  fullnameAttribute: string;
  emailAttribute: string;
  /** LDAP_USER_ATTRIBUTE_GROUPS; undefined = no group values are read. */
  groupsAttribute: string | undefined;
  timeoutMs: number;
  /** LDAP_START_TLS: upgrade an `ldap://` connection with StartTLS before binding. */
  startTls: boolean;
}

export interface LdapLogger {
  warn(details: object, msg: string): void;
}

export interface LdapDirectoryOptions {
  /** Undefined when LDAP_URL is unset. */
  settings: Readonly<LdapSettings> | undefined;
  /** Whether the `ldap` component is enabled (read on every operation). */
  enabled(): Promise<boolean>;
  logger: LdapLogger;
}

/** RFC 4515 §3: `*`, `(`, `)`, `\` and NUL are written as `\XX`; all other characters stay as UTF-8. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The filter for one username: every `%s` of the template replaced by the escaped username. */
export function userFilterFor(template: string, username: string): string {
  return template.split('%s').join(escapeFilterValue(username));
}

/** Whether the parentheses of a filter enclose it and balance (literal ones are always escaped). */
function parenthesised(filter: string): boolean {
  let depth = 0;
  for (let i = 0; i < filter.length; i += 1) {
    if (filter[i] === '(') depth += 1;
    else if (filter[i] === ')') depth -= 1;
    if (depth < 0 || (depth === 0 && i < filter.length - 1)) return false;
  }
  return depth === 0 && filter.startsWith('(');
}

/** Throws when the LDAP_USER_FILTER template lacks `%s` or is not a valid filter (RFC 4515). */
export function checkUserFilter(template: string): void {
  if (!template.includes('%s')) throw new Error('must contain %s');
  const sample = userFilterFor(template, 'user');
  let valid = parenthesised(sample);
  try {
    ldapts().FilterParser.parseString(sample);
  } catch {
    valid = false;
  }
  if (!valid) throw new Error('is not a valid LDAP filter, e.g. (uid=%s) or (&(objectClass=inetOrgPerson)(uid=%s))');
}

/**
 * The value of a DN's first RDN (`cn=dev\2Cops,ou=groups,dc=x` → `dev,ops`); `undefined` when the
 * text is not a DN. Multi-valued RDNs give their first value.
 */
export function firstRdnValue(text: string): string | undefined {
  const match = /^\s*(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)\s*=/.exec(text);
  if (!match) return undefined;
  const rest = text.slice(match[0].length);
  if (rest.startsWith('#')) return undefined; // BER-encoded value: keep the whole text
  const bytes: number[] = [];
  for (let i = 0; i < rest.length; i += 1) {
    const c = rest[i];
    if (c === ',' || c === '+' || c === ';') break;
    if (c === '\\' && /^[0-9A-Fa-f]{2}$/.test(rest.slice(i + 1, i + 3))) {
      bytes.push(parseInt(rest.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '\\' && i + 1 < rest.length) {
      bytes.push(...Buffer.from(rest[i + 1], 'utf8'));
      i += 1;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  const value = Buffer.from(bytes).toString('utf8').trim();
  return value === '' ? undefined : value;
}

/** All values of an attribute, found case-insensitively (servers may spell the name differently). */
function valuesOf(entry: Entry, attribute: string): string[] {
  const key = Object.keys(entry).find((k) => k !== 'dn' && k.toLowerCase() === attribute.toLowerCase());
  if (key === undefined) return [];
  const raw = entry[key];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

class Deadline extends Error {
  constructor() {
    super('LDAP_TIMEOUT_MS exceeded');
    this.name = 'TimeoutError';
  }
}

/** The entries the filter found, or `several` when the server stopped at the size limit. */
type Found = { entries: Entry[] } | { several: true };

export function createLdapDirectory(options: LdapDirectoryOptions): LdapService {
  const { settings, logger } = options;

  function attributes(s: LdapSettings): string[] {
    const list = [s.usernameAttribute, s.fullnameAttribute, s.emailAttribute];
    if (s.groupsAttribute) list.push(s.groupsAttribute);
    return list;
  }

  /** Runs `work` on a fresh, service-bound connection within the deadline; always closes it. */
  async function withConnection<T>(s: LdapSettings, work: (client: Client) => Promise<T>): Promise<T> {
    const url = new URL(s.url);
    const tlsOptions = { minVersion: 'TLSv1.2' as const, ...(net.isIP(url.hostname) ? {} : { servername: url.hostname }) };
    // ldapts speaks TLS from the start whenever tlsOptions are given, so only for ldaps://
    const client = new (ldapts().Client)({
      url: s.url,
      connectTimeout: s.timeoutMs,
      timeout: s.timeoutMs,
      strictDN: false,
      ...(url.protocol === 'ldaps:' ? { tlsOptions } : {}),
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Deadline()), s.timeoutMs);
    });
    const session = async () => {
      if (s.startTls && url.protocol === 'ldap:') await client.startTLS({ ...tlsOptions, host: url.hostname });
      if (s.bindDn !== undefined) await client.bind(s.bindDn, s.bindPassword);
      return work(client);
    };
    try {
      return await Promise.race([session(), deadline]);
    } finally {
      clearTimeout(timer);
      // unbind sends the unbind request and destroys the socket, also with a request still pending
      // (deadline passed); not awaited, so a hung server cannot stretch the deadline
      void client.unbind().catch(() => {});
    }
  }

  async function search(s: LdapSettings, client: Client, username: string): Promise<Found> {
    try {
      const { searchEntries } = await client.search(s.userBaseDn, {
        scope: 'sub',
        filter: userFilterFor(s.userFilter, username),
        attributes: attributes(s),
        sizeLimit: 2,
      });
      return searchEntries.length > 1 ? { several: true } : { entries: searchEntries };
    } catch (error) {
      if (error instanceof ldapts().SizeLimitExceededError) return { several: true };
      throw error;
    }
  }

  function toUser(s: LdapSettings, entry: Entry): LdapUserEntry {
    const first = (attribute: string) => valuesOf(entry, attribute)[0] ?? '';
    const groups = s.groupsAttribute ? valuesOf(entry, s.groupsAttribute) : [];
    return {
      dn: entry.dn,
      username: first(s.usernameAttribute),
      name: first(s.fullnameAttribute),
      email: first(s.emailAttribute),
      groups: groups.map((value) => ({ value, name: firstRdnValue(value) ?? value })),
    };
  }

  function unavailable(error: unknown, operation: string, username: string, requestId: string | undefined): void {
    const e = error as { name?: string; code?: unknown; message?: string };
    logger.warn(
      { requestId, operation, username, error: e?.name ?? 'Error', code: e?.code, detail: String(e?.message ?? '').slice(0, 200) },
      'LDAP directory unavailable',
    );
  }

  /** Undefined when LDAP is not configured or the component is disabled (no connection is made). */
  async function active(): Promise<LdapSettings | undefined> {
    if (!settings) return undefined;
    return (await options.enabled()) ? settings : undefined;
  }

  return {
    configured: settings !== undefined,

    async findUser(username, { requestId }): Promise<LdapLookup> {
      const s = await active();
      if (!s) return { status: 'not_configured' };
      try {
        const found = await withConnection(s, (client) => search(s, client, username));
        if ('several' in found) return { status: 'not_found', several: true };
        if (found.entries.length === 0) return { status: 'not_found', several: false };
        return { status: 'found', user: toUser(s, found.entries[0]) };
      } catch (error) {
        unavailable(error, 'findUser', username, requestId);
        return { status: 'unavailable' };
      }
    },

    async verifyPassword(username, password, { requestId }): Promise<LdapPasswordCheck> {
      const s = await active();
      if (!s) return 'not_configured';
      if (password === '') return 'invalid';
      try {
        return await withConnection(s, async (client) => {
          const found = await search(s, client, username);
          if ('several' in found || found.entries.length !== 1) return 'invalid';
          try {
            await client.bind(found.entries[0].dn, password);
            return 'valid';
          } catch (error) {
            if (error instanceof ldapts().InvalidCredentialsError) return 'invalid';
            throw error;
          }
        });
      } catch (error) {
        unavailable(error, 'verifyPassword', username, requestId);
        return 'unavailable';
      }
    },
  };
}
