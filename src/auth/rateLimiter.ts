/**
 * RATE_LIMIT_PER_MINUTE (JSON-RPC contract §4.5, issue 8): each principal (the application token;
 * each user, whatever credential it used) may spend that many calls per fixed minute window (see
 * src/core/rateLimit.ts). The count lives in the database, not in this process, so several
 * instances on one database share one budget; a limit of 0 returns the core's UNLIMITED limiter,
 * which never touches the database.
 *
 * Time comes from the injected clock (whole Unix seconds, the app's `now`), so `retryAfterMs` is a
 * whole number of seconds that may be up to one second late, never early.
 *
 * Rows of old windows are deleted by the first reservation this instance makes in each new window,
 * in the same statement. The previous window is kept, so an instance whose clock runs a little
 * behind still finds its count. Remembering which window was purged is the only state kept here,
 * and it only saves work: any instance may purge, and purging twice does no harm.
 */
import type { Knex } from 'knex';
import type { Principal } from '../core/procedure';
import { RATE_LIMIT_WINDOW_SECONDS, UNLIMITED, rateLimitKey, rateLimitWindow, type RateLimitRefusal, type RateLimiter } from '../core/rateLimit';
import { reserveUnits } from '../db/repositories/rateLimits';

export interface RateLimiterOptions {
  db: Knex;
  /** Calls per principal per minute; 0 = no limit. */
  perMinute: number;
  /** Unix seconds (the app's clock). */
  now: () => number;
}

export function createRateLimiter({ db, perMinute, now }: RateLimiterOptions): RateLimiter {
  if (perMinute === 0) return UNLIMITED;
  let purgedWindow = Number.NEGATIVE_INFINITY;

  async function reserve(principal: Principal, units: number): Promise<RateLimitRefusal | null> {
    const window = rateLimitWindow(now());
    if (units <= 0) return null;
    if (units > perMinute) return { retryAfterMs: window.remainingMs };
    let purgeBefore: number | undefined;
    if (window.start > purgedWindow) {
      purgedWindow = window.start;
      purgeBefore = window.start - RATE_LIMIT_WINDOW_SECONDS;
    }
    const fits = await reserveUnits(db, { principalKey: rateLimitKey(principal), windowStart: window.start, units, limit: perMinute, purgeBefore });
    return fits ? null : { retryAfterMs: window.remainingMs };
  }

  return Object.freeze({ enabled: true, reserve });
}
