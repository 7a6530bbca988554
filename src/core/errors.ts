/**
 * The one error catalog. Procedures, the dispatcher and the authentication layer throw `AppError`
 * with one of these codes; every adapter maps each code to its wire format with an exhaustive
 * `Record<ErrorCode, …>`, so a new code that an adapter forgot fails to compile.
 */
export const ERROR_CODES = [
  'METHOD_NOT_FOUND',
  'WRONG_ARGUMENTS',
  'INVALID_PARAMS',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'FORBIDDEN',
  /** The procedure itself refuses the change (e.g. removing the `admin` group): Kanboard answers a failure value. */
  'REFUSED',
  'UNAUTHENTICATED',
  'PRECONDITION_FAILED',
  'RATE_LIMITED',
  'LIMIT_EXCEEDED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One validation problem, in ajv's shape (instancePath, keyword, message). */
export interface ParamError {
  instancePath: string;
  keyword: string;
  message: string;
}

/** Structured details; adapters decide which of them reach the wire. */
export interface ErrorDetails {
  /** Stable machine-readable reason (strict `data.reason`), when it differs from the code's default. */
  reason?: string;
  resource?: string;
  field?: string;
  id?: number;
  required?: string;
  limit?: number;
  retryAfterMs?: number;
  errors?: ParamError[];
  /** Kanboard's binding message for WRONG_ARGUMENTS ("Wrong number of arguments", …). */
  message?: string;
  /** What Kanboard answers for this failure when it differs from the procedure's failure value. */
  failureValue?: unknown;
  /** The offending value, for adapters whose messages name it (OCS `group <g> does not exist`). */
  value?: string;
  /** The id a lookup computed from the given one (nmcuser_oidc internal ids). */
  computedId?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, details: ErrorDetails = {}) {
    super(details.message ?? code);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** Shorthand for the common "invalid value" failure with one ajv-shaped entry. */
export function invalidParam(instancePath: string, keyword: string, message: string): AppError {
  return new AppError('INVALID_PARAMS', { errors: [{ instancePath, keyword, message }] });
}

/** The target of a call does not exist (`id` when it was looked up by id). */
export function notFound(resource: string, id?: number): AppError {
  return new AppError('NOT_FOUND', id === undefined ? { resource } : { resource, id });
}

/** A refusal with a stable reason (OCS checks, §6–§8 of ocs-provisioning), naming the value when useful. */
export function refused(code: ErrorCode, reason: string, value?: string): AppError {
  return new AppError(code, value === undefined ? { reason } : { reason, value });
}
