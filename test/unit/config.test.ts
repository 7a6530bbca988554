import { ConfigError, loadConfig } from '../../src/config';

test('defaults', () => {
  expect(loadConfig({})).toEqual({
    port: 8080,
    host: '127.0.0.1',
    databaseUrl: undefined,
    dataDir: './data',
    dbPoolSize: 10,
    apiToken: undefined,
    adminUsername: 'admin',
    adminPassword: undefined,
    apiAuthHeader: undefined,
    batchLimit: 100,
    bodyLimit: 1048576,
    logLevel: 'info',
    logFormat: 'auto',
    metricsToken: undefined,
    lockoutThreshold: 6,
    lockoutMinutes: 15,
    rateLimitPerMinute: 0,
    bcryptCost: 10,
    hashConcurrency: 2,
    passwordCacheTtlMs: 60000,
    applicationUrl: 'http://localhost/',
    kanboardVersion: '1.2.53',
    disablePrivateProjects: false,
    ocsRequireApiHeader: true,
    defaultQuota: 'none',
    ocsSendWelcomeEmail: true,
    smtpUrl: undefined,
    mailFrom: undefined,
    smtpTimeoutMs: 10000,
    publicUrl: undefined,
    oidcProviders: [],
    shutdownTimeoutMs: 8000,
  });
  expect(Object.isFrozen(loadConfig({}))).toBe(true);
});

test('values are read and converted', () => {
  const config = loadConfig({
    PORT: '9000',
    DATABASE_URL: 'postgres://u@h:5432/db',
    API_TOKEN: 'tok',
    API_AUTH_HEADER: 'X-API-Auth',
    BATCH_LIMIT: '7',
    BODY_LIMIT: '512kb',
    DISABLE_PRIVATE_PROJECTS: 'true',
    BRUTEFORCE_LOCKDOWN: '3',
  });
  expect(config).toMatchObject({
    port: 9000,
    databaseUrl: 'postgres://u@h:5432/db',
    apiToken: 'tok',
    apiAuthHeader: 'X-API-Auth',
    batchLimit: 7,
    bodyLimit: 524288,
    disablePrivateProjects: true,
    lockoutThreshold: 3,
  });
  expect(loadConfig({ BODY_LIMIT: '2048' }).bodyLimit).toBe(2048);
  expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '0' }).shutdownTimeoutMs).toBe(0);
  expect(loadConfig({ PASSWORD_CACHE_TTL_MS: '0' }).passwordCacheTtlMs).toBe(0);
  expect(() => loadConfig({ PASSWORD_CACHE_TTL_MS: '-5' })).toThrow('Invalid configuration: PASSWORD_CACHE_TTL_MS must be >= 0 (got "-5")');
  expect(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: '-1' })).toThrow('Invalid configuration: SHUTDOWN_TIMEOUT_MS must be >= 0 (got "-1")');
  expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '120' }).rateLimitPerMinute).toBe(120);
  expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' }).rateLimitPerMinute).toBe(0);
  expect(() => loadConfig({ RATE_LIMIT_PER_MINUTE: '-1' })).toThrow('Invalid configuration: RATE_LIMIT_PER_MINUTE must be >= 0 (got "-1")');
});

test('empty values count as unset', () => {
  expect(loadConfig({ PORT: '', API_TOKEN: '' })).toMatchObject({ port: 8080, apiToken: undefined });
});

test('the contract names are accepted as aliases; the issue names win', () => {
  expect(loadConfig({ API_AUTHENTICATION_TOKEN: 'a', MAX_BATCH_LENGTH: '5', MAX_BODY_BYTES: '100' })).toMatchObject({
    apiToken: 'a',
    batchLimit: 5,
    bodyLimit: 100,
  });
  expect(loadConfig({ API_AUTHENTICATION_TOKEN: 'a', API_TOKEN: 'b' }).apiToken).toBe('b');
  expect(loadConfig({ APPLICATION_URL: 'https://kb.example/' }).applicationUrl).toBe('https://kb.example/');
  expect(loadConfig({ APPLICATION_URL: 'https://a/', BASE_URL: 'https://b/' }).applicationUrl).toBe('https://b/');
});

test.each([
  ['PORT', 'abc', 'PORT must be integer (got "abc")'],
  ['PORT', '70000', 'PORT must be <= 65535'],
  ['BATCH_LIMIT', '0', 'BATCH_LIMIT must be >= 1'],
  ['RATE_LIMIT_PER_MINUTE', 'ten', 'RATE_LIMIT_PER_MINUTE must be integer (got "ten")'],
  ['RATE_LIMIT_PER_MINUTE', '1.5', 'RATE_LIMIT_PER_MINUTE must be integer (got "1.5")'],
  ['RATE_LIMIT_PER_MINUTE', '1000001', 'RATE_LIMIT_PER_MINUTE must be <= 1000000'],
  ['BODY_LIMIT', 'huge', 'BODY_LIMIT must match pattern'],
  ['LOG_LEVEL', 'verbose', 'LOG_LEVEL must be equal to one of the allowed values'],
  ['DATABASE_URL', 'mysql://x', 'DATABASE_URL must match pattern'],
  ['ADMIN_PASSWORD', '123', 'ADMIN_PASSWORD must NOT have fewer than 6 characters'],
  ['BASE_URL', 'http://x', 'BASE_URL must match pattern'],
  ['APPLICATION_URL', 'ftp://x/', 'APPLICATION_URL must match pattern'],
  ['DISABLE_PRIVATE_PROJECTS', 'maybe', 'DISABLE_PRIVATE_PROJECTS must be boolean'],
  ['API_AUTH_HEADER', 'X API', 'API_AUTH_HEADER must match pattern'],
  ['OCS_REQUIRE_API_HEADER', 'yes', 'OCS_REQUIRE_API_HEADER must be boolean'],
  ['DEFAULT_QUOTA', 'lots', 'DEFAULT_QUOTA must be none'],
  ['DEFAULT_QUOTA', 'default', 'DEFAULT_QUOTA must be none'],
  ['SMTP_URL', 'http://mail', 'SMTP_URL must match pattern'],
  ['SMTP_TIMEOUT_MS', '5', 'SMTP_TIMEOUT_MS must be >= 100'],
  ['PUBLIC_URL', 'roster.example', 'PUBLIC_URL must match pattern'],
  ['OIDC_PROVIDERS', '123', 'OIDC_PROVIDERS: identifier "123"'],
])('%s=%s is refused with a message naming it', (name, value, message) => {
  expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
  expect(() => loadConfig({ [name]: value })).toThrow(message);
});

test('unknown environment variables are ignored', () => {
  expect(() => loadConfig({ HOME: '/root', SOMETHING_ELSE: 'x' })).not.toThrow();
});

test('OCS and mail settings: booleans take 1 and 0, quota sizes, SMTP needs MAIL_FROM', () => {
  expect(loadConfig({ OCS_REQUIRE_API_HEADER: '0', OCS_SEND_WELCOME_EMAIL: '1' })).toMatchObject({ ocsRequireApiHeader: false, ocsSendWelcomeEmail: true });
  expect(loadConfig({ OCS_REQUIRE_API_HEADER: 'false' }).ocsRequireApiHeader).toBe(false);
  expect(loadConfig({ DEFAULT_QUOTA: '25 GB' }).defaultQuota).toBe(26843545600);
  expect(loadConfig({ DEFAULT_QUOTA: 'NONE' }).defaultQuota).toBe('none');
  expect(() => loadConfig({ SMTP_URL: 'smtp://mail:25' })).toThrow('MAIL_FROM is required when SMTP_URL is set');
  expect(loadConfig({ SMTP_URL: 'smtps://u:p@mail:465', MAIL_FROM: 'roster@example.org', PUBLIC_URL: 'https://r.example/' })).toMatchObject({
    smtpUrl: 'smtps://u:p@mail:465',
    mailFrom: 'roster@example.org',
    publicUrl: 'https://r.example/',
  });
});
