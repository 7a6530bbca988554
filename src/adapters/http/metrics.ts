/**
 * Prometheus metrics (prom-client): one Registry per app instance for Roster's own series, plus
 * Node's default process metrics in one registry per process (they describe the process, and
 * prom-client starts an event-loop monitor and a GC observer per collection that are never
 * stopped). Labels are bounded: surfaces, route patterns, registered procedure names, outcomes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestSummary, RequestSurface } from './requestLog';

/** Connection pool usage, as read from the database's pool at scrape time. */
export interface PoolStats {
  used: number;
  free: number;
  pendingAcquires: number;
  pendingCreates: number;
  max: number;
}

export interface HttpMetricsOptions {
  /** The pool's state now, or null when there is no pool (closed). */
  poolStats(): PoolStats | null;
  /** METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <token>`. */
  token?: string;
}

export interface HttpMetrics {
  /** Roster's own series (this app instance only). */
  readonly registry: Registry;
  /** Counts one finished request (a `observeRequests` hook). */
  observe(summary: RequestSummary): void;
  /** Counts credentials sent and refused on a surface. */
  authFailure(surface: RequestSurface): void;
  /** GET /metrics: the text exposition format. */
  handler(req: Request, res: Response): Promise<void>;
}

let processRegistry: Registry | undefined;

/** Node's default metrics (process_*, nodejs_*), collected once per process. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const digest = (value: string) => createHash('sha256').update(value).digest();
const BEARER = /^ *bearer +(\S+) *$/i;

export function createHttpMetrics(options: HttpMetricsOptions): HttpMetrics {
  const registry = new Registry();
  const registers = [registry];
  const shared = processMetrics();

  const requests = new Counter({
    name: 'roster_http_requests_total',
    help: 'HTTP requests by surface, route pattern (or procedure name) and outcome',
    labelNames: ['surface', 'route', 'outcome'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'roster_http_request_duration_seconds',
    help: 'HTTP request duration in seconds, until the response was sent',
    labelNames: ['surface'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const authFailures = new Counter({
    name: 'roster_auth_failures_total',
    help: 'Requests whose credentials were refused (wrong secret, unknown or disabled user, locked account), by surface',
    labelNames: ['surface'] as const,
    registers,
  });
  for (const surface of ['jsonrpc', 'rpc', 'ocs', 'nmcuser_oidc'] as const) authFailures.inc({ surface }, 0);

  const poolGauge = (name: string, help: string, read: (stats: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const stats = options.poolStats();
        this.set(stats ? read(stats) : 0);
      },
    });
  poolGauge('roster_db_pool_used_connections', 'Database connections in use', (s) => s.used);
  poolGauge('roster_db_pool_free_connections', 'Idle database connections in the pool', (s) => s.free);
  poolGauge('roster_db_pool_pending_acquires', 'Queries waiting for a database connection', (s) => s.pendingAcquires);
  poolGauge('roster_db_pool_pending_creates', 'Database connections being opened', (s) => s.pendingCreates);
  poolGauge('roster_db_pool_max_connections', 'Most database connections the pool opens (1 for embedded PGlite)', (s) => s.max);

  const expected = options.token ? digest(options.token) : null;

  function authorised(req: Request): boolean {
    if (!expected) return true;
    const match = BEARER.exec(req.get('authorization') ?? '');
    return match !== null && timingSafeEqual(digest(match[1]), expected);
  }

  return {
    registry,
    observe(summary) {
      requests.inc({ surface: summary.surface, route: summary.route, outcome: summary.outcome });
      duration.observe({ surface: summary.surface }, summary.durationSeconds);
    },
    authFailure(surface) {
      authFailures.inc({ surface });
    },
    async handler(req, res) {
      if (!authorised(req)) {
        res.status(401).setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        res.json({ message: 'Unauthorized' });
        return;
      }
      const text = (await registry.metrics()) + (await shared.metrics());
      res.status(200).setHeader('Content-Type', registry.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.end(text);
    },
  };
}
