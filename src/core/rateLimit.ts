/**
 * The rate limit as adapters see it (JSON-RPC contract §4.5, issue 8): a budget of calls per
 * principal per minute, kept in the database (src/auth/rateLimiter.ts) so that every instance on
 * one database draws on the same budget. Adapters reserve units after authentication and before
 * anything runs; a reservation that does not fit reserves nothing.
 *
 * The window is fixed and aligned to the clock's minutes (Unix seconds divisible by 60): simple,
 * exact within a minute, and its end is the moment the whole budget returns, which is what
 * `retryAfterMs` says. The price of fixed windows is that a caller may spend one budget at the end
 * of a minute and the next at the start of the following one (at most twice the limit in any 60
 * seconds).
 */
import type { Principal } from './procedure';

export const RATE_LIMIT_WINDOW_SECONDS = 60;

/** A refused reservation: when the principal's budget returns, in milliseconds from now. */
export interface RateLimitRefusal {
  retryAfterMs: number;
}

export interface RateLimiter {
  /** Whether a limit is configured; when false `reserve` never touches the database. */
  readonly enabled: boolean;
  /**
   * Reserves `units` calls of the principal's budget in the current window: null when they fit (and
   * are now spent), otherwise the refusal (nothing is spent). All or nothing, atomically.
   */
  reserve(principal: Principal, units: number): Promise<RateLimitRefusal | null>;
}

const FITS: Promise<null> = Promise.resolve(null);

/** RATE_LIMIT_PER_MINUTE=0: every reservation fits, at no cost. */
export const UNLIMITED: RateLimiter = Object.freeze({ enabled: false, reserve: () => FITS });

/**
 * The budget's owner: one for the application token, one per user whatever credential it used
 * (password, app password, personal token). Never derived from the secret.
 */
export function rateLimitKey(principal: Principal): string {
  return principal.kind === 'app' ? 'app' : `user:${principal.user.id}`;
}

/** The window holding `nowSeconds`: its start (Unix seconds) and the milliseconds until its end. */
export function rateLimitWindow(nowSeconds: number): { start: number; remainingMs: number } {
  const start = Math.floor(nowSeconds / RATE_LIMIT_WINDOW_SECONDS) * RATE_LIMIT_WINDOW_SECONDS;
  return { start, remainingMs: Math.max(1, Math.round((start + RATE_LIMIT_WINDOW_SECONDS - nowSeconds) * 1000)) };
}

/** `Retry-After` (RFC 9110: whole seconds) for a refusal; never earlier than `retryAfterMs`. */
export function retryAfterSeconds(refusal: RateLimitRefusal): string {
  return String(Math.ceil(refusal.retryAfterMs / 1000));
}
