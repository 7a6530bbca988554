/**
 * Observation wrappers installed by app.ts: the authenticator and the dispatcher as the adapters
 * see them, noting the caller, refused credentials and failed calls on the current request's
 * record (the one in the call's options, else the async-local one; calls outside a request are
 * passed through untouched).
 */
import type { Knex } from 'knex';
import type { Authenticator } from '../core/authentication';
import type { Dispatcher } from '../core/dispatcher';
import { isAppError } from '../core/errors';
import { currentRequest, recordCaller, recordFailure, type RequestSurface } from '../adapters/http/requestLog';
import type { PoolStats } from '../adapters/http/metrics';

/** Notes the caller of each request; counts credentials that were sent and refused. */
export function observedAuthenticator(authenticator: Authenticator, onFailure: (surface: RequestSurface) => void): Authenticator {
  // (then-callbacks rather than async functions: these run on every call, and each async layer
  // costs a promise and a turn of the microtask queue)
  return {
    authenticate(credentials, options) {
      return authenticator.authenticate(credentials, options).then((principal) => {
        const record = currentRequest(options);
        if (record && principal) recordCaller(record, principal);
        if (record && !principal && credentials) {
          record.authFailed = true;
          onFailure(record.surface);
        }
        return principal;
      });
    },
  };
}

/** Notes calls that failed (internal → server failure, any other refusal → client failure). */
export function observedDispatcher(dispatcher: Dispatcher): Dispatcher {
  return {
    ...dispatcher,
    call(procedure, rawParams, options) {
      return dispatcher.call(procedure, rawParams, options).catch((error: unknown) => {
        recordFailure(currentRequest(options), isAppError(error) && error.code !== 'INTERNAL' ? 'client' : 'server');
        throw error;
      });
    },
  };
}

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
  max: number;
}

/** The knex pool now (pg: the configured pool; PGlite: knex-pglite's pool of one connection). */
export function knexPoolStats(db: Knex): PoolStats | null {
  const pool = (db.client as { pool?: Partial<TarnPool> }).pool;
  if (!pool || typeof pool.numUsed !== 'function') return null;
  const p = pool as TarnPool;
  return { used: p.numUsed(), free: p.numFree(), pendingAcquires: p.numPendingAcquires(), pendingCreates: p.numPendingCreates(), max: p.max };
}
