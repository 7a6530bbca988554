/**
 * Configuration: read once from the environment, validated against schemas/config.ts, frozen. A bad
 * value stops the process with a message naming the variable.
 */
import Ajv from 'ajv';
import bytes from 'bytes';
import type { FromSchema } from 'json-schema-to-ts';
import { configAliases, configSchema } from '../schemas/config';
import { parseQuota } from './core/quota';
import { parseProviderSeeds, type ProviderSeed } from './oidcProviderSeed';
import { checkUserFilter, type LdapSettings } from './ldap/directory';

type Raw = FromSchema<typeof configSchema>;

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  dbPoolSize: number;
  apiToken: string | undefined;
  adminUsername: string;
  adminPassword: string | undefined;
  apiAuthHeader: string | undefined;
  batchLimit: number;
  bodyLimit: number;
  logLevel: Raw['LOG_LEVEL'];
  logFormat: Raw['LOG_FORMAT'];
  /** METRICS_TOKEN: bearer token of GET /metrics; undefined = no authentication. */
  metricsToken: string | undefined;
  lockoutThreshold: number;
  lockoutMinutes: number;
  /** RATE_LIMIT_PER_MINUTE: calls per principal per minute window; 0 = no limit. */
  rateLimitPerMinute: number;
  bcryptCost: number;
  hashConcurrency: number;
  /** PASSWORD_CACHE_TTL_MS: how long a successful password verification is remembered; 0 = never. */
  passwordCacheTtlMs: number;
  applicationUrl: string;
  kanboardVersion: string;
  disablePrivateProjects: boolean;
  ocsRequireApiHeader: boolean;
  /** DEFAULT_QUOTA parsed: `none` or bytes. */
  defaultQuota: 'none' | number;
  ocsSendWelcomeEmail: boolean;
  smtpUrl: string | undefined;
  mailFrom: string | undefined;
  smtpTimeoutMs: number;
  publicUrl: string | undefined;
  /** OIDC_PROVIDERS, parsed and checked. */
  oidcProviders: ProviderSeed[];
  /** The LDAP_* settings; undefined when LDAP_URL is unset (LDAP not configured). */
  ldap: Readonly<LdapSettings> | undefined;
  /** SHUTDOWN_TIMEOUT_MS: how long a graceful shutdown waits for requests in flight. */
  shutdownTimeoutMs: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const raw: Record<string, string> = {};
  /** The variable each value came from (an alias, when only the alias was set). */
  const source: Record<string, string> = {};
  for (const name of Object.keys(configSchema.properties)) {
    const value = env[name];
    if (value !== undefined && value !== '') [raw[name], source[name]] = [value, name];
  }
  for (const [alias, name] of Object.entries(configAliases)) {
    const value = env[alias];
    if (raw[name] === undefined && value !== undefined && value !== '') [raw[name], source[name]] = [value, alias];
  }
  // Booleans accept true, false, 1 and 0 (ajv coerces only the words).
  for (const [name, schema] of Object.entries(configSchema.properties)) {
    if ((schema as { type?: string }).type === 'boolean' && (raw[name] === '1' || raw[name] === '0')) raw[name] = raw[name] === '1' ? 'true' : 'false';
  }
  const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true });
  const validate = ajv.compile<Raw>(configSchema);
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map((e) => {
      const name = source[e.instancePath.slice(1)] ?? e.instancePath.slice(1);
      const given = name in env ? ` (got ${JSON.stringify(env[name])})` : '';
      return `${name} ${e.message}${given}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const bodyLimit = bytes.parse(raw.BODY_LIMIT as unknown as string);
  if (bodyLimit === null || !Number.isFinite(bodyLimit) || bodyLimit < 1) {
    throw new ConfigError(`Invalid configuration: ${source.BODY_LIMIT ?? 'BODY_LIMIT'} must be a positive size (got ${JSON.stringify(raw.BODY_LIMIT)})`);
  }
  const defaultQuota = parseQuota(raw.DEFAULT_QUOTA as string, { allowDefault: false });
  if (defaultQuota === null || defaultQuota === 'default') {
    throw new ConfigError(`Invalid configuration: DEFAULT_QUOTA must be none, a number of bytes or a size such as 25 GB (got ${JSON.stringify(raw.DEFAULT_QUOTA)})`);
  }
  if (raw.SMTP_URL !== undefined && raw.MAIL_FROM === undefined) {
    throw new ConfigError('Invalid configuration: MAIL_FROM is required when SMTP_URL is set');
  }
  if (raw.SMTP_URL !== undefined && !URL.canParse(raw.SMTP_URL as string)) {
    throw new ConfigError('Invalid configuration: SMTP_URL must be a URL such as smtp://user:pass@host:587');
  }
  const ldap = ldapSettings(raw as unknown as Required<Raw>, raw);
  let oidcProviders: ProviderSeed[];
  try {
    oidcProviders = parseProviderSeeds(raw.OIDC_PROVIDERS as string | undefined);
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${(error as Error).message}`);
  }
  const c = raw as unknown as Required<Raw>;
  return Object.freeze({
    port: c.PORT,
    host: c.HOST,
    databaseUrl: raw.DATABASE_URL as string | undefined,
    dataDir: c.DATA_DIR,
    dbPoolSize: c.DB_POOL_SIZE,
    apiToken: raw.API_TOKEN as string | undefined,
    adminUsername: c.ADMIN_USERNAME,
    adminPassword: raw.ADMIN_PASSWORD as string | undefined,
    apiAuthHeader: raw.API_AUTH_HEADER as string | undefined,
    batchLimit: c.BATCH_LIMIT,
    bodyLimit,
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT,
    metricsToken: raw.METRICS_TOKEN as string | undefined,
    lockoutThreshold: c.BRUTEFORCE_LOCKDOWN,
    lockoutMinutes: c.BRUTEFORCE_LOCKDOWN_DURATION,
    rateLimitPerMinute: c.RATE_LIMIT_PER_MINUTE,
    bcryptCost: c.BCRYPT_COST,
    hashConcurrency: c.HASH_CONCURRENCY,
    passwordCacheTtlMs: c.PASSWORD_CACHE_TTL_MS,
    applicationUrl: c.BASE_URL,
    kanboardVersion: c.KANBOARD_VERSION,
    disablePrivateProjects: c.DISABLE_PRIVATE_PROJECTS,
    ocsRequireApiHeader: c.OCS_REQUIRE_API_HEADER,
    defaultQuota,
    ocsSendWelcomeEmail: c.OCS_SEND_WELCOME_EMAIL,
    smtpUrl: raw.SMTP_URL as string | undefined,
    mailFrom: raw.MAIL_FROM as string | undefined,
    smtpTimeoutMs: c.SMTP_TIMEOUT_MS,
    publicUrl: raw.PUBLIC_URL as string | undefined,
    oidcProviders,
    ldap,
    shutdownTimeoutMs: c.SHUTDOWN_TIMEOUT_MS,
  });
}

/** LDAP settings (contract §11): bind DN and password together or not at all; base DN with the URL. */
function ldapSettings(c: Required<Raw>, raw: Partial<Raw>): Readonly<LdapSettings> | undefined {
  if ((raw.LDAP_BIND_DN === undefined) !== (raw.LDAP_BIND_PASSWORD === undefined)) {
    throw new ConfigError('Invalid configuration: LDAP_BIND_DN and LDAP_BIND_PASSWORD must be set together (both unset = anonymous bind)');
  }
  try {
    // a filter that is set is checked even without LDAP_URL; the default is valid (test/ldap/settings)
    if (raw.LDAP_USER_FILTER !== undefined) checkUserFilter(raw.LDAP_USER_FILTER);
  } catch (error) {
    throw new ConfigError(`Invalid configuration: LDAP_USER_FILTER ${(error as Error).message} (got ${JSON.stringify(c.LDAP_USER_FILTER)})`);
  }
  if (raw.LDAP_URL === undefined) return undefined;
  if (raw.LDAP_USER_BASE_DN === undefined) throw new ConfigError('Invalid configuration: LDAP_USER_BASE_DN is required when LDAP_URL is set');
  if (!URL.canParse(raw.LDAP_URL)) throw new ConfigError('Invalid configuration: LDAP_URL must be a URL such as ldap://ldap.example.org:389');
  return Object.freeze({
    url: raw.LDAP_URL,
    bindDn: raw.LDAP_BIND_DN,
    bindPassword: raw.LDAP_BIND_PASSWORD,
    userBaseDn: raw.LDAP_USER_BASE_DN,
    userFilter: c.LDAP_USER_FILTER,
    usernameAttribute: c.LDAP_USER_ATTRIBUTE_USERNAME,
    fullnameAttribute: c.LDAP_USER_ATTRIBUTE_FULLNAME,
    emailAttribute: c.LDAP_USER_ATTRIBUTE_EMAIL,
    groupsAttribute: raw.LDAP_USER_ATTRIBUTE_GROUPS,
    timeoutMs: c.LDAP_TIMEOUT_MS,
    startTls: c.LDAP_START_TLS,
  });
}
