/**
 * Rate-limit tests: a second app with RATE_LIMIT_PER_MINUTE on the database of a first one (which
 * sets things up without spending budget), its frozen clock moved to a fresh minute window before
 * each test, and the units a user has spent in the current window.
 */
import { startTestApp, type TestApp } from './app';

/** The start of the current fixed minute window of `app`'s clock. */
export const windowStart = (app: TestApp): number => Math.floor(app.services.now() / 60) * 60;

/** A limited app sharing `setup`'s database, its clock frozen at the real time. */
export function startLimitedApp(setup: TestApp, limit: number): Promise<TestApp> {
  return startTestApp({ db: setup.db, env: { RATE_LIMIT_PER_MINUTE: String(limit) }, clockStart: Math.floor(Date.now() / 1000) });
}

/** Moves `app`'s clock 10 s into the next window (call in beforeEach: every test starts with a full budget). */
export function enterNextWindow(app: TestApp): void {
  app.advanceClock(windowStart(app) + 60 + 10 - app.services.now());
}

/** The units `username` spent in `app`'s current window (null when none). */
export async function unitsUsedBy(app: TestApp, username: string): Promise<number | null> {
  const user = await app.knex('users').where({ username }).first('id');
  const row = await app.knex('rate_limit_windows').where({ principal_key: `user:${user.id}`, window_start: windowStart(app) }).first('used');
  return row ? Number(row.used) : null;
}
