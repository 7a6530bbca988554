/** The pure parts of the rate limit (src/core/rateLimit.ts): windows, Retry-After, principal keys. */
import type { Knex } from 'knex';
import { createRateLimiter } from '../../src/auth/rateLimiter';
import { UNLIMITED, rateLimitKey, rateLimitWindow, retryAfterSeconds } from '../../src/core/rateLimit';

test('windows are fixed minutes of Unix time; the remaining time runs to the next minute', () => {
  expect(rateLimitWindow(1_800_000_000)).toEqual({ start: 1_800_000_000, remainingMs: 60_000 });
  expect(rateLimitWindow(1_800_000_010)).toEqual({ start: 1_800_000_000, remainingMs: 50_000 });
  expect(rateLimitWindow(1_800_000_059)).toEqual({ start: 1_800_000_000, remainingMs: 1_000 });
  expect(rateLimitWindow(1_800_000_059.75)).toEqual({ start: 1_800_000_000, remainingMs: 250 });
  expect(rateLimitWindow(1_800_000_060)).toEqual({ start: 1_800_000_060, remainingMs: 60_000 });
});

test('Retry-After is whole seconds, rounded up so it is never earlier than retryAfterMs', () => {
  expect([1, 999, 1000, 1001, 50_000, 60_000].map((retryAfterMs) => retryAfterSeconds({ retryAfterMs }))).toEqual(['1', '1', '1', '2', '50', '60']);
});

test('one key per principal, whatever the credential; never the secret', () => {
  const user = (via: 'password' | 'app_password' | 'personal_token' | 'ldap_password') => rateLimitKey({ kind: 'user', user: { id: 42, username: 'alice', role: 'app-user' }, via });
  expect(rateLimitKey({ kind: 'app' })).toBe('app');
  expect(new Set([user('password'), user('app_password'), user('personal_token'), user('ldap_password')])).toEqual(new Set(['user:42']));
});

test('RATE_LIMIT_PER_MINUTE=0 gives the limiter that never touches the database', async () => {
  const untouchable = new Proxy(
    {},
    {
      get() {
        throw new Error('the database was used');
      },
    },
  ) as unknown as Knex;
  const limiter = createRateLimiter({ db: untouchable, perMinute: 0, now: () => 0 });
  expect(limiter).toBe(UNLIMITED);
  expect(limiter.enabled).toBe(false);
  await expect(limiter.reserve({ kind: 'app' }, 1_000_000)).resolves.toBeNull();
});
