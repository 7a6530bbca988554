/**
 * The enabled state of Roster's components as the request gates read it (OCS apps §8.2), without a
 * database round trip per request, and still "a change applies to every running instance at once":
 * each state is remembered for at most COMPONENT_STATE_TTL_MS per instance, and the call that
 * changes one (ocsSetAppEnabled) returns only that long after its commit (./core/freshness.ts says
 * why that suffices). The instance that made the change forgets its own memory at the commit, so
 * its requests see the change even while the call waits.
 */
import type { Knex } from 'knex';
import type { Dispatcher } from './core/dispatcher';
import { FRESH_FOR_MS, freshValue, outlastFreshness, type FreshValue } from './core/freshness';
import { isAppEnabled } from './db/repositories/appState';

/** How long an instance may answer from a remembered component state; also the commit wait. */
export const COMPONENT_STATE_TTL_MS = FRESH_FOR_MS;

/** The procedures that change a component's state (checked against the registry at start). */
const STATE_WRITERS: ReadonlySet<string> = new Set(['ocsSetAppEnabled']);

export interface ComponentStates {
  /** Whether the component is enabled: a boolean when remembered, else the read in flight. */
  isEnabled(id: string): boolean | Promise<boolean>;
  /** Forgets every remembered state (after this instance committed a change). */
  forget(): void;
}

export function createComponentStates(db: Knex, ttlMs = COMPONENT_STATE_TTL_MS, now: () => number = () => performance.now()): ComponentStates {
  const states = new Map<string, FreshValue<boolean>>();
  return {
    isEnabled(id) {
      let state = states.get(id);
      if (!state) {
        state = freshValue(() => isAppEnabled(db, id), ttlMs, now);
        states.set(id, state);
      }
      return state.get();
    },
    forget() {
      for (const state of states.values()) state.forget();
    },
  };
}

/**
 * The dispatcher as the adapters see it: a successful call that changes a component's state forgets
 * this instance's memory and returns only once the TTL has passed since its commit (see above).
 */
export function settlingComponentChanges(dispatcher: Dispatcher, states: ComponentStates, ttlMs = COMPONENT_STATE_TTL_MS): Dispatcher {
  for (const name of STATE_WRITERS) {
    if (!dispatcher.procedures.some((procedure) => procedure.name === name)) throw new Error(`Component state writer ${name} is not registered`);
  }
  /** After a state change committed: forget, then wait out the TTL before answering. */
  async function settled<T>(result: T): Promise<T> {
    const committedAt = performance.now();
    states.forget();
    await outlastFreshness(committedAt, ttlMs);
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
