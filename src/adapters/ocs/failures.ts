/**
 * Procedure failures → OCS statuscode and message. A route's own table wins (keyed by the
 * failure's reason, then by its code); otherwise the exhaustive table below answers.
 */
import type { AppError, ErrorCode } from '../../core/errors';
import type { OcsLevel, OcsRoute } from './route';

export type OcsFailure = readonly [statuscode: number, message: string];

/** §3.5 denial messages. */
export const LEVEL_MESSAGES: Readonly<Record<OcsLevel, string>> = {
  A: 'Logged in account must be an admin',
  S: 'Logged in account must be an admin, a sub admin or gotten special right to access this setting',
  B: 'Logged in account must be at least a sub admin',
  U: 'Logged in account must be at least a sub admin',
};

/** §3.6 item 10. */
export const INTERNAL_FAILURE: OcsFailure = [996, 'Internal Server Error\n'];

/**
 * A JSON body that does not parse. The spec (§3.2) says 996 [500]; issue 8 wants no 5xx for a
 * client's mistake, so it is the client error 400 (HTTP 400 on v2).
 */
export const MALFORMED_BODY_FAILURE: OcsFailure = [400, 'Invalid JSON body'];

/** RATE_LIMIT_PER_MINUTE spent: v1 HTTP 200, v2 HTTP 429 (§4.3), with `Retry-After`. */
export const RATE_LIMITED_FAILURE: OcsFailure = [429, 'Reached maximum number of requests'];

type Fallback = (route: OcsRoute, error: AppError) => OcsFailure;

/** Failures no route table names. Codes a well-formed OCS call cannot cause answer 996 and are logged. */
const FALLBACK: Readonly<Record<ErrorCode, Fallback | 'unexpected'>> = {
  METHOD_NOT_FOUND: 'unexpected',
  WRONG_ARGUMENTS: 'unexpected',
  // Only the validator's NUL rule reaches here: a NUL byte is never a valid value.
  INVALID_PARAMS: () => [101, ''],
  NOT_FOUND: () => [998, ''],
  ALREADY_EXISTS: () => [102, ''],
  FORBIDDEN: (route, error) => [403, error.details.reason === 'subadmin_required' ? LEVEL_MESSAGES.B : LEVEL_MESSAGES[route.level]],
  REFUSED: 'unexpected',
  UNAUTHENTICATED: () => [997, 'Unauthorised'],
  PRECONDITION_FAILED: 'unexpected',
  RATE_LIMITED: () => RATE_LIMITED_FAILURE,
  LIMIT_EXCEEDED: 'unexpected',
  INTERNAL: (route) => route.internal ?? INTERNAL_FAILURE,
};

export function failureOf(route: OcsRoute, error: AppError, logUnexpected: (details: object) => void): OcsFailure {
  const reason = error.details.reason;
  const mapped = (reason !== undefined ? route.errors?.[reason] : undefined) ?? route.errors?.[error.code];
  if (mapped) {
    const [statuscode, message] = mapped;
    return [statuscode, typeof message === 'function' ? message(error.details.value ?? '') : message];
  }
  const fallback = FALLBACK[error.code];
  if (fallback !== 'unexpected') return fallback(route, error);
  logUnexpected({ code: error.code, reason, procedure: route.procedure });
  return route.internal ?? INTERNAL_FAILURE;
}
