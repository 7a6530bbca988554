/**
 * Short-lived memory of a database read that every instance must agree on "at once" (the
 * components' enabled states, the stored API-token digest), without a database round trip per
 * request.
 *
 * How "at once" holds across instances (commit wait):
 * - An instance remembers a value for at most FRESH_FOR_MS, counted from the moment it *began* the
 *   read that produced it (a read whose snapshot precedes a change therefore began before the
 *   change committed, and is forgotten less than FRESH_FOR_MS after that commit).
 * - Whatever changes such a value returns only FRESH_FOR_MS (and a small margin for clock rates)
 *   after its commit (`outlastFreshness`). By then no instance can still hold the old value: every
 *   request that arrives after the change has returned, on any instance, sees it.
 * Durations are measured on each process's monotonic clock (never the wall clock), so clock
 * adjustments cannot stretch them. A value changed in the database by hand (SQL) is seen within
 * FRESH_FOR_MS. Reads that fail are not remembered (the next request reads again).
 */

/** How long an instance may answer from a remembered read; also the commit wait. */
export const FRESH_FOR_MS = 100;
/** Added to the commit wait: monotonic clocks of different hosts may run apart by a few hundred ppm. */
const CLOCK_RATE_MARGIN_MS = 2;

export interface FreshValue<T> {
  /** The remembered value while fresh (or the read in flight that will give it), else a new read. */
  get(): T | Promise<T>;
  /** Forgets the remembered value (after this instance committed a change). */
  forget(): void;
}

interface Remembered<T> {
  /** `now()` when the read began. */
  readStartedAt: number;
  /** Set once the read succeeded. */
  settled?: { value: T };
  read: Promise<T>;
}

export function freshValue<T>(read: () => Promise<T>, ttlMs = FRESH_FOR_MS, now: () => number = () => performance.now()): FreshValue<T> {
  let remembered: Remembered<T> | undefined;
  return {
    get() {
      const at = now();
      // a read that began less than the TTL before this request serves it (its snapshot is fresh enough)
      if (remembered && at - remembered.readStartedAt < ttlMs) return remembered.settled ? remembered.settled.value : remembered.read;
      const entry: Remembered<T> = {
        readStartedAt: at,
        read: read().then(
          (value) => {
            entry.settled = { value };
            return value;
          },
          (error: unknown) => {
            if (remembered === entry) remembered = undefined;
            throw error;
          },
        ),
      };
      remembered = entry;
      return entry.read;
    },
    forget() {
      remembered = undefined;
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once `ttlMs` and the clock margin have passed since `committedAt` (a `performance.now()`
 * taken after the change committed): by then every instance has forgotten what it read before.
 */
export async function outlastFreshness(committedAt: number, ttlMs = FRESH_FOR_MS): Promise<void> {
  const waitMs = ttlMs + CLOCK_RATE_MARGIN_MS;
  // timers may fire a little early against the monotonic clock: wait until it says so
  const left = () => committedAt + waitMs - performance.now();
  for (let ms = left(); ms > 0; ms = left()) await sleep(Math.ceil(ms));
}
