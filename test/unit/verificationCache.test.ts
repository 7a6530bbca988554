/**
 * The memory of successful password verifications: a hit needs the same user, stored hash and
 * password; only successes are kept; entries expire after the TTL (injected clock); the oldest go
 * first beyond the size bound; concurrent checks of one triple share one run.
 */
import { createVerificationCache, type VerificationCache } from '../../src/auth/verificationCache';

const HASH = '$2b$10$abcdefghijklmnopqrstuuA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p';
const OTHER_HASH = '$2b$10$zyxwvutsrqponmlkjihgfeZ9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k';

/** A check that accepts `password` for HASH and OTHER_HASH alike, and counts its runs. */
function counter(accepted = 'secret') {
  const calls: Array<[string, string]> = [];
  const check = async (plain: string, hash: string) => {
    calls.push([plain, hash]);
    return plain === accepted;
  };
  return { calls, check };
}

function cacheAt(ttlMs: number, maxEntries?: number) {
  let now = 1000;
  const cache = createVerificationCache({ ttlMs, maxEntries, clock: () => now });
  return {
    cache,
    advance(ms: number) {
      now += ms;
    },
  };
}

test('a success is remembered: the same user, hash and password are answered without the check', async () => {
  const { cache } = cacheAt(60_000);
  const { calls, check } = counter();
  expect(await cache.verify(7, HASH, 'secret', check)).toBe(true);
  expect(await cache.verify(7, HASH, 'secret', check)).toBe(true);
  expect(await cache.verify(7, HASH, 'secret', check)).toBe(true);
  expect(calls).toEqual([['secret', HASH]]);
  expect(cache.size).toBe(1);
});

test('the entry binds user, stored hash and password: changing any one runs the check again', async () => {
  const { cache } = cacheAt(60_000);
  const { calls, check } = counter();
  await cache.verify(7, HASH, 'secret', check);
  expect(await cache.verify(8, HASH, 'secret', check)).toBe(true); // another user
  expect(await cache.verify(7, OTHER_HASH, 'secret', check)).toBe(true); // a new hash (password changed)
  expect(await cache.verify(7, HASH, 'secret2', check)).toBe(false); // another password
  expect(await cache.verify(7, HASH, 'secre', check)).toBe(false);
  expect(calls).toHaveLength(5);
});

test('field boundaries cannot be shifted: (1, "2…") and (12, "…") are different entries', async () => {
  const { cache } = cacheAt(60_000);
  let runs = 0;
  const accepts = async () => {
    runs += 1;
    return true;
  };
  await cache.verify(1, `2${HASH}`, 'x', accepts);
  await cache.verify(12, HASH, 'x', accepts);
  await cache.verify(7, `${HASH}x`, '', accepts);
  await cache.verify(7, HASH, 'x', accepts);
  expect(runs).toBe(4);
  expect(cache.size).toBe(4);
});

test('failures are never remembered: every wrong password runs the check', async () => {
  const { cache } = cacheAt(60_000);
  const { calls, check } = counter();
  for (let i = 0; i < 3; i += 1) expect(await cache.verify(7, HASH, 'wrong', check)).toBe(false);
  expect(calls).toHaveLength(3);
  expect(cache.size).toBe(0);
});

test('an entry lives for the TTL and no longer; a new success starts a new TTL', async () => {
  const { cache, advance } = cacheAt(60_000);
  const { calls, check } = counter();
  await cache.verify(7, HASH, 'secret', check);
  advance(59_999);
  await cache.verify(7, HASH, 'secret', check);
  expect(calls).toHaveLength(1);
  advance(1); // exactly the TTL: expired
  await cache.verify(7, HASH, 'secret', check);
  expect(calls).toHaveLength(2);
  advance(30_000); // hits do not extend the TTL, the new success does
  await cache.verify(7, HASH, 'secret', check);
  expect(calls).toHaveLength(2);
  advance(30_000);
  await cache.verify(7, HASH, 'secret', check);
  expect(calls).toHaveLength(3);
});

test('expired entries are swept when a new success is remembered', async () => {
  const { cache, advance } = cacheAt(1000);
  const { check } = counter();
  for (let user = 1; user <= 5; user += 1) await cache.verify(user, HASH, 'secret', check);
  expect(cache.size).toBe(5);
  advance(1000);
  await cache.verify(6, HASH, 'secret', check);
  expect(cache.size).toBe(1);
});

test('TTL 0 disables the cache: every call runs the check', async () => {
  const { cache } = cacheAt(0);
  const { calls, check } = counter();
  for (let i = 0; i < 3; i += 1) expect(await cache.verify(7, HASH, 'secret', check)).toBe(true);
  expect(calls).toHaveLength(3);
  expect(cache.size).toBe(0);
});

test('beyond maxEntries the oldest success is dropped first', async () => {
  const { cache } = cacheAt(60_000, 3);
  const { calls, check } = counter();
  for (const user of [1, 2, 3, 4]) await cache.verify(user, HASH, 'secret', check);
  expect(cache.size).toBe(3);
  expect(calls).toHaveLength(4);
  for (const user of [2, 3, 4]) await cache.verify(user, HASH, 'secret', check);
  expect(calls).toHaveLength(4); // still remembered
  await cache.verify(1, HASH, 'secret', check);
  expect(calls).toHaveLength(5); // was dropped
  expect(cache.size).toBe(3);
});

test('concurrent checks of the same credentials share one run, failures included', async () => {
  const { cache } = cacheAt(60_000);
  const { calls, check } = counter();
  expect(await Promise.all([1, 2, 3].map(() => cache.verify(7, HASH, 'secret', check)))).toEqual([true, true, true]);
  expect(await Promise.all([1, 2, 3].map(() => cache.verify(7, HASH, 'wrong', check)))).toEqual([false, false, false]);
  expect(calls).toEqual([
    ['secret', HASH],
    ['wrong', HASH],
  ]);
  expect(await cache.verify(7, HASH, 'wrong', check)).toBe(false); // the shared failure is not kept
  expect(calls).toHaveLength(3);
});

test('a check that throws rejects every waiter and leaves nothing behind', async () => {
  const { cache } = cacheAt(60_000);
  let runs = 0;
  const failing = (): Promise<boolean> => {
    runs += 1;
    throw new Error('worker died');
  };
  const results = await Promise.allSettled([cache.verify(7, HASH, 'secret', failing), cache.verify(7, HASH, 'secret', failing)]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  expect(runs).toBe(1);
  const { calls, check } = counter();
  expect(await cache.verify(7, HASH, 'secret', check)).toBe(true); // not stuck on the failed run
  expect(calls).toHaveLength(1);
});

test('clear() forgets every success', async () => {
  const { cache } = cacheAt(60_000);
  const { calls, check } = counter();
  await cache.verify(7, HASH, 'secret', check);
  cache.clear();
  await cache.verify(7, HASH, 'secret', check);
  expect(calls).toHaveLength(2);
});

test('two caches (two processes) have different keys and share nothing', async () => {
  const caches: VerificationCache[] = [createVerificationCache({ ttlMs: 60_000 }), createVerificationCache({ ttlMs: 60_000 })];
  const { calls, check } = counter();
  for (const cache of caches) await cache.verify(7, HASH, 'secret', check);
  expect(calls).toHaveLength(2);
});

test('remembers: true only for a remembered, unexpired success; a check in flight or a failure is not remembered', async () => {
  const { cache, advance } = cacheAt(60_000);
  let finish!: (valid: boolean) => void;
  const pending = cache.verify(7, HASH, 'secret', () => new Promise<boolean>((resolve) => (finish = resolve)));
  await Promise.resolve();
  expect(cache.remembers(7, HASH, 'secret')).toBe(false); // in flight: a caller would wait for bcrypt
  finish(true);
  await pending;
  expect(cache.remembers(7, HASH, 'secret')).toBe(true);
  expect(cache.remembers(7, OTHER_HASH, 'secret')).toBe(false);
  await cache.verify(7, HASH, 'wrong', counter().check);
  expect(cache.remembers(7, HASH, 'wrong')).toBe(false);
  advance(60_000);
  expect(cache.remembers(7, HASH, 'secret')).toBe(false);
  expect(cacheAt(0).cache.remembers(7, HASH, 'secret')).toBe(false);
});
