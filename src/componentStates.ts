/**
 * The enabled state of Roster's components as the request gates read it (OCS apps §8.2), without a
 * database round trip per request, and still "a change applies to every running instance at once".
 *
 * How "at once" holds across instances without a per-request read (commit wait):
 * - An instance remembers a component's state for at most COMPONENT_STATE_TTL_MS, counted from the
 *   moment it *began* the read that produced it (a read whose snapshot precedes a change therefore
 *   began before the change committed, and is forgotten less than the TTL after that commit).
 * - The call that changes a state (ocsSetAppEnabled) returns only COMPONENT_STATE_TTL_MS (and a
 *   small margin for clock rates) after its commit. By then no instance can still hold the old state: every request that arrives after the
 *   call has returned, on any instance, sees the change. The instance that made the change forgets
 *   its own memory at the commit, so its requests see the change even while the call waits.
 * Durations are measured on each process's monotonic clock (never the wall clock), so clock
 * adjustments cannot stretch them. A state changed in the database by hand (SQL) is seen within
 * COMPONENT_STATE_TTL_MS. Reads that fail are not remembered (the next request reads again).
 */
import type { Knex } from 'knex';
import type { Dispatcher } from './core/dispatcher';
import { isAppEnabled } from './db/repositories/appState';

/** How long an instance may answer from a remembered component state; also the commit wait. */
export const COMPONENT_STATE_TTL_MS = 100;
/** Added to the commit wait: monotonic clocks of different hosts may run apart by a few hundred ppm. */
const CLOCK_RATE_MARGIN_MS = 2;

/** The procedures that change a component's state (checked against the registry at start). */
const STATE_WRITERS: ReadonlySet<string> = new Set(['ocsSetAppEnabled']);

export interface ComponentStates {
  /** Whether the component is enabled: a boolean when remembered, else the read in flight. */
  isEnabled(id: string): boolean | Promise<boolean>;
  /** Forgets every remembered state (after this instance committed a change). */
  forget(): void;
}

interface Entry {
  /** performance.now() when the read began. */
  readStartedAt: number;
  value?: boolean;
  read: Promise<boolean>;
}

export function createComponentStates(db: Knex, ttlMs = COMPONENT_STATE_TTL_MS, now: () => number = () => performance.now()): ComponentStates {
  const entries = new Map<string, Entry>();
  return {
    isEnabled(id) {
      const at = now();
      const known = entries.get(id);
      // a read that began less than the TTL before this request serves it (its snapshot is fresh enough)
      if (known && at - known.readStartedAt < ttlMs) return known.value ?? known.read;
      const entry: Entry = {
        readStartedAt: at,
        read: isAppEnabled(db, id).then(
          (enabled) => {
            entry.value = enabled;
            return enabled;
          },
          (error: unknown) => {
            if (entries.get(id) === entry) entries.delete(id);
            throw error;
          },
        ),
      };
      entries.set(id, entry);
      return entry.read;
    },
    forget() {
      entries.clear();
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The dispatcher as the adapters see it: a successful call that changes a component's state forgets
 * this instance's memory and returns only once the TTL has passed since its commit (see above).
 */
export function settlingComponentChanges(dispatcher: Dispatcher, states: ComponentStates, ttlMs = COMPONENT_STATE_TTL_MS): Dispatcher {
  for (const name of STATE_WRITERS) {
    if (!dispatcher.procedures.some((procedure) => procedure.name === name)) throw new Error(`Component state writer ${name} is not registered`);
  }
  const waitMs = ttlMs + CLOCK_RATE_MARGIN_MS;
  /** After a state change committed: forget, then wait out the TTL before answering. */
  async function settled<T>(result: T): Promise<T> {
    const committedAt = performance.now();
    states.forget();
    // timers may fire a little early against the monotonic clock: wait until it says so
    for (let left = waitMs; left > 0; left = committedAt + waitMs - performance.now()) await sleep(Math.ceil(left));
    return result;
  }
  return {
    ...dispatcher,
    call(procedure, rawParams, options) {
      const calling = dispatcher.call(procedure, rawParams, options);
      return STATE_WRITERS.has(procedure.name) ? calling.then(settled) : calling;
    },
  };
}
