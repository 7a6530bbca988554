/**
 * Structured JSON logs (pino); credentials and secrets are redacted wherever they appear. On a
 * terminal (or with LOG_FORMAT=pretty) the same lines are printed human-readable by pino-pretty.
 */
import pino from 'pino';
import type PinoPretty from 'pino-pretty';

/** pino-pretty, loaded only for pretty output: loading it is a sizeable part of a start that never uses it. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred until used (start time)
const loadPretty = (): typeof PinoPretty => (require('pino-pretty') as { default: typeof PinoPretty }).default;

export type Logger = pino.Logger;

export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerOptions {
  /** `auto` (default): pretty when the destination is a terminal, JSON lines otherwise. */
  format?: LogFormat;
  /** More member names to redact at any depth, e.g. the configured API_AUTH_HEADER. */
  secretKeys?: readonly (string | undefined)[];
}

export const CENSOR = '[redacted]';

/** Fixed paths, applied while serialising (also to values the deep scrub does not walk). */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-auth"]',
  '*.password',
  '*.token',
  '*.secret',
  'password',
  'token',
  'secret',
];

/** Member names that are always redacted, at any depth (compared in lower case). */
const SECRET_NAMES = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-auth', 'php_auth_pw'];
/** Any member whose name contains one of these is redacted too (password, passwordHash, apiToken, …). */
const SECRET_PARTS = /pass(word|wd)|secret|token|credential/i;
/** Deeper than this nothing is walked (log objects are small; this only guards odd ones). */
const MAX_DEPTH = 8;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Returns `value` with every secret-named member (at any depth of plain objects and arrays)
 * replaced by the censor. Unchanged values keep their identity; the caller's object is never mutated.
 */
export function scrubSecrets(value: unknown, extraNames: ReadonlySet<string> = new Set(), depth = 0, seen = new WeakSet<object>()): unknown {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null || seen.has(value)) return value;
  if (Array.isArray(value)) {
    seen.add(value);
    let changed = false;
    const out = value.map((item) => {
      const scrubbed = scrubSecrets(item, extraNames, depth + 1, seen);
      if (scrubbed !== item) changed = true;
      return scrubbed;
    });
    return changed ? out : value;
  }
  if (!isPlainObject(value)) return value;
  seen.add(value);
  let out: Record<string, unknown> | null = null;
  for (const [key, item] of Object.entries(value)) {
    const lower = key.toLowerCase();
    const secret = SECRET_NAMES.includes(lower) || extraNames.has(lower) || SECRET_PARTS.test(key);
    const scrubbed = secret ? (item === undefined ? item : CENSOR) : scrubSecrets(item, extraNames, depth + 1, seen);
    if (scrubbed !== item) {
      out ??= { ...value };
      out[key] = scrubbed;
    }
  }
  return out ?? value;
}

/**
 * Members of database driver errors that carry a statement's values: PGlite's `params` (every bound
 * value — password hashes on writes, the SHA-256 of the caller's secret on logins), Postgres's
 * `detail` ("Key (token_hash)=(…) already exists", "Failing row contains (…)"), and the context
 * members `where` and `internalQuery`, which can quote values too. The SQL text keeps its placeholders.
 */
const DATABASE_VALUE_MEMBERS = new Set(['params', 'parameters', 'bindings', 'values', 'detail', 'where', 'internalquery']);

/** pino's serialized errors have their own prototype; their nested errors (aggregateErrors, members) too. */
const SERIALIZED_ERROR_PROTO: unknown = Object.getPrototypeOf(pino.stdSerializers.err(new Error('probe')));

function isWalkable(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || proto === SERIALIZED_ERROR_PROTO;
}

function scrubSerializedError(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => scrubSerializedError(item, depth + 1));
  if (!isWalkable(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const lower = key.toLowerCase();
    const secret = DATABASE_VALUE_MEMBERS.has(lower) || SECRET_NAMES.includes(lower) || SECRET_PARTS.test(key);
    out[key] = secret ? (item === undefined ? item : CENSOR) : scrubSerializedError(item, depth + 1);
  }
  return out;
}

/**
 * The `err` serializer: pino's, then without the members that carry database values or secrets (at
 * any depth: causes, aggregated errors). The log formatter cannot do this: it runs before serializers
 * and does not walk Error objects.
 */
export function serializeError(error: unknown): unknown {
  return scrubSerializedError(pino.stdSerializers.err(error as Error), 0);
}

function scrubbingFormatter(secretKeys: readonly (string | undefined)[] = []) {
  const extra = new Set(secretKeys.filter((k): k is string => typeof k === 'string' && k !== '').map((k) => k.toLowerCase()));
  return <T extends object>(object: T): T => scrubSecrets(object, extra) as T;
}

function wantsPretty(format: LogFormat, destination: unknown): boolean {
  if (format === 'json') return false;
  if (format === 'pretty') return true;
  return (destination as { isTTY?: boolean }).isTTY === true;
}

/**
 * A logger writing to `destination` (default stdout). JSON lines unless `format` asks for pretty
 * output, or is `auto` and the destination is a terminal.
 */
export function createLogger(level: string, destination?: pino.DestinationStream | NodeJS.WritableStream, options: LoggerOptions = {}): Logger {
  const target = destination ?? process.stdout;
  const stream = wantsPretty(options.format ?? 'auto', target)
    ? loadPretty()({
        destination: destination ?? 1,
        sync: true,
        colorize: (target as { isTTY?: boolean }).isTTY === true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,service',
        // request lines read as `request completed POST /rpc 200 12.3 ms`, the fields follow
        messageFormat: '{msg}{if httpMethod} {httpMethod} {path} {status} {durationMs} ms{end}',
        singleLine: true,
      })
    : (destination as pino.DestinationStream | undefined);
  return pino(
    {
      level,
      base: { service: 'roster' },
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      serializers: { err: serializeError },
      formatters: { log: scrubbingFormatter(options.secretKeys) },
    },
    stream,
  );
}

/**
 * A child logger that also redacts the given member names (e.g. the header named by
 * API_AUTH_HEADER), everywhere, in addition to the built-in ones.
 */
export function withSecretKeys(logger: Logger, secretKeys: readonly (string | undefined)[]): Logger {
  if (!secretKeys.some((k) => typeof k === 'string' && k !== '')) return logger;
  return logger.child({}, { formatters: { log: scrubbingFormatter(secretKeys) } });
}
