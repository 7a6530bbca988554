/**
 * src/core/freshness.ts: a read remembered for the TTL counted from when it began, shared while in
 * flight, not remembered when it fails, forgotten on demand; and the commit wait that outlasts it.
 */
import { FRESH_FOR_MS, freshValue, outlastFreshness } from '../../src/core/freshness';

function counter<T>(values: T[]) {
  const reads = { count: 0, pending: [] as Array<{ resolve(value: T): void; reject(error: Error): void }> };
  const read = () => {
    reads.count += 1;
    return new Promise<T>((resolve, reject) => reads.pending.push({ resolve, reject }));
  };
  return { reads, read, next: () => reads.pending.shift()!.resolve(values[reads.count - 1]) };
}

test('the value of a read is served until the TTL has passed since the read began, then read again', async () => {
  let now = 1000;
  const source = counter(['first', 'second']);
  const value = freshValue(source.read, 100, () => now);
  const pending = value.get();
  expect(pending).toBeInstanceOf(Promise);
  now = 1050; // the read takes 50 ms
  source.next();
  expect(await pending).toBe('first');
  now = 1099;
  expect(value.get()).toBe('first'); // synchronously, while fresh
  expect(source.reads.count).toBe(1);
  now = 1100; // 100 ms after the read *began*
  const again = value.get();
  expect(source.reads.count).toBe(2);
  source.next();
  expect(await again).toBe('second');
});

test('requests while a read is in flight share it', async () => {
  const now = 0;
  const source = counter([7]);
  const value = freshValue(source.read, 100, () => now);
  const [a, b, c] = [value.get(), value.get(), value.get()];
  expect(source.reads.count).toBe(1);
  source.next();
  expect(await Promise.all([a, b, c])).toEqual([7, 7, 7]);
});

test('a failed read is not remembered, and forget() makes the next request read', async () => {
  const now = 0;
  const source = counter([1, 2, 3]);
  const value = freshValue(source.read, 100, () => now);
  const failing = value.get();
  source.reads.pending.shift()!.reject(new Error('connection refused'));
  await expect(failing).rejects.toThrow('connection refused');
  const second = value.get();
  expect(source.reads.count).toBe(2);
  source.next();
  expect(await second).toBe(2);
  expect(value.get()).toBe(2);
  value.forget();
  const third = value.get();
  expect(source.reads.count).toBe(3);
  source.next();
  expect(await third).toBe(3);
});

test('outlastFreshness resolves only once the TTL and the clock margin have passed since the commit', async () => {
  expect(FRESH_FOR_MS).toBe(100);
  const committedAt = performance.now();
  await outlastFreshness(committedAt, 30);
  expect(performance.now() - committedAt).toBeGreaterThanOrEqual(32);
  // a commit long past: nothing left to wait for
  const started = performance.now();
  await outlastFreshness(started - 1000, 30);
  expect(performance.now() - started).toBeLessThan(30);
});
