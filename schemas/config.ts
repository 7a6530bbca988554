/**
 * The environment Roster reads at start. Values arrive as strings; ajv coerces numbers and booleans.
 * Each property's description is the README's configuration table.
 */
export const configSchema = {
  $id: 'config',
  type: 'object',
  properties: {
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 8080, description: 'HTTP port' },
    HOST: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'Address to listen on' },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://', description: 'Postgres connection string; unset = embedded PGlite' },
    DATA_DIR: { type: 'string', minLength: 1, default: './data', description: 'Embedded database directory (PGlite only)' },
    DB_POOL_SIZE: { type: 'integer', minimum: 1, maximum: 1000, default: 10, description: 'Postgres connection pool size' },
    API_TOKEN: { type: 'string', minLength: 1, description: 'Application token for user `jsonrpc`; generated, stored and printed once if unset' },
    ADMIN_USERNAME: { type: 'string', minLength: 1, maxLength: 191, pattern: '^\\S(.*\\S)?$', default: 'admin', description: 'First user (id 1, app-admin), created on first start' },
    ADMIN_PASSWORD: { type: 'string', minLength: 6, description: 'Its password; generated and printed once if unset' },
    API_AUTH_HEADER: { type: 'string', pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", description: 'Alternative credentials header, e.g. X-API-Auth (value: base64 of user:secret); off when unset' },
    BATCH_LIMIT: { type: 'integer', minimum: 1, maximum: 10000, default: 100, description: 'Most elements in one JSON-RPC batch' },
    BODY_LIMIT: { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(b|kb|mb|gb)?\\s*$', default: '1mb', description: 'Largest request body (bytes, or with kb/mb/gb)' },
    LOG_LEVEL: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', description: 'Log level' },
    LOG_FORMAT: { enum: ['auto', 'json', 'pretty'], default: 'auto', description: 'Log output: `json` lines, `pretty` (human-readable), or `auto` = pretty on a terminal, JSON otherwise' },
    METRICS_TOKEN: { type: 'string', minLength: 1, description: 'When set, `GET /metrics` requires `Authorization: Bearer <token>`; unset = open' },
    BRUTEFORCE_LOCKDOWN: { type: 'integer', minimum: 1, maximum: 1000, default: 6, description: 'Failed logins tolerated before the account locks' },
    BRUTEFORCE_LOCKDOWN_DURATION: { type: 'integer', minimum: 1, maximum: 525600, default: 15, description: 'Lock duration in minutes' },
    BCRYPT_COST: { type: 'integer', minimum: 10, maximum: 15, default: 10, description: 'bcrypt cost of new password hashes' },
    HASH_CONCURRENCY: { type: 'integer', minimum: 1, maximum: 64, default: 2, description: 'Password hashes computed at once (off the event loop)' },
    BASE_URL: { type: 'string', pattern: '^https?://.+/$', default: 'http://localhost/', description: 'Base URL of project links (url.board, url.list); must end with /' },
    KANBOARD_VERSION: { type: 'string', minLength: 1, default: '1.2.53', description: 'What getVersion answers' },
    DISABLE_PRIVATE_PROJECTS: { type: 'boolean', default: false, description: 'Refuse createMyPrivateProject' },
    OCS_REQUIRE_API_HEADER: { type: 'boolean', default: true, description: 'OCS: require the `OCS-APIRequest` header (412 without it)' },
    DEFAULT_QUOTA: { type: 'string', default: 'none', description: 'OCS: quota of users whose quota is `default`: `none`, bytes, or e.g. `25 GB`' },
    OCS_SEND_WELCOME_EMAIL: { type: 'boolean', default: true, description: 'OCS: send the welcome email after creating a user with an email address' },
    SMTP_URL: { type: 'string', pattern: '^smtps?://[^/]+', description: 'SMTP server for welcome emails, `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`; unset = no mail' },
    MAIL_FROM: { type: 'string', minLength: 3, description: 'Sender address of emails; required with SMTP_URL' },
    SMTP_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 10000, description: 'Upper bound of one email send (connect, handshake, send)' },
    OIDC_PROVIDERS: { type: 'string', description: 'OIDC providers created at start if missing: `Telekom,o2` or a JSON array of {identifier, client_id, discovery_url}' },
    PUBLIC_URL: { type: 'string', pattern: '^https?://[^/]+', description: 'Service URL named in emails; unset = built from the request' },
  },
  additionalProperties: false,
} as const;

/** Names from the JSON-RPC contract accepted as aliases of the names above. */
export const configAliases = {
  API_AUTHENTICATION_TOKEN: 'API_TOKEN',
  MAX_BATCH_LENGTH: 'BATCH_LIMIT',
  MAX_BODY_BYTES: 'BODY_LIMIT',
  APPLICATION_URL: 'BASE_URL',
} as const;
