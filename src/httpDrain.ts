/**
 * Graceful close of an HTTP server. `server.close()` alone stops accepting but keeps every
 * keep-alive connection open until its idle timeout, including those whose request was in flight
 * at the time (they turn idle only after close() ran). Draining stops accepting, closes idle
 * connections at once, answers each request still in flight (and any that arrives on an open
 * connection meanwhile) with `Connection: close` so its connection ends with its response, and
 * cuts whatever is left after the timeout.
 */
import type { Server, ServerResponse } from 'node:http';

export interface DrainResult {
  /** Requests still unanswered when the timeout ran out (their connections were cut). */
  cut: number;
}

export interface Drainable {
  /** Stops accepting and resolves once every connection is closed (cut after `timeoutMs`). */
  drain(timeoutMs: number): Promise<DrainResult>;
}

/** Tracks the requests of `server` from now on; call before it listens. */
export function makeDrainable(server: Server): Drainable {
  const inFlight = new Set<ServerResponse>();
  let draining: Promise<DrainResult> | undefined;

  // Before the application's listener, so a request that arrives while draining is marked first.
  server.prependListener('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    if (draining && !res.headersSent) res.setHeader('Connection', 'close');
    res.once('close', () => {
      inFlight.delete(res);
      // a response that had sent its headers before the drain began kept its connection alive
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
  });

  return {
    drain(timeoutMs) {
      draining ??= new Promise<DrainResult>((resolve) => {
        for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
        let cut = 0;
        const timer = setTimeout(() => {
          cut = inFlight.size;
          server.closeAllConnections();
        }, timeoutMs);
        server.close(() => {
          clearTimeout(timer);
          resolve({ cut });
        });
        server.closeIdleConnections();
      });
      return draining;
    },
  };
}
