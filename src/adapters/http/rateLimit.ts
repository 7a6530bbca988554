/**
 * The rate-limit step every adapter runs after authentication and before anything else runs
 * (JSON-RPC contract §1.6 step 6 and §4.5; one unit per OCS or nmcuser_oidc request, one per
 * well-formed JSON-RPC element). A refusal comes back as the catalog's RATE_LIMITED error, which each
 * adapter renders with its own table, plus the `Retry-After` header that goes with it.
 */
import { AppError } from '../../core/errors';
import type { Principal } from '../../core/procedure';
import { retryAfterSeconds, type RateLimiter } from '../../core/rateLimit';

export interface RateLimitedAnswer {
  error: AppError;
  headers: { 'Retry-After': string };
}

/** Spends `units` of the principal's budget; null when they fit, else what to answer. */
export async function checkRateLimit(limiter: RateLimiter, principal: Principal, units: number): Promise<RateLimitedAnswer | null> {
  if (!limiter.enabled) return null;
  const refusal = await limiter.reserve(principal, units);
  if (!refusal) return null;
  return {
    error: new AppError('RATE_LIMITED', { reason: 'rate_limited', retryAfterMs: refusal.retryAfterMs }),
    headers: { 'Retry-After': retryAfterSeconds(refusal) },
  };
}
