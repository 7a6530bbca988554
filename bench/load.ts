/**
 * The load generator: autocannon, in-process, POSTing one JSON-RPC body. Throughput is the 2xx
 * responses per second; latencies are taken from every 2xx response at full (sub-millisecond)
 * precision, because autocannon's own histogram rounds to whole milliseconds.
 */
import autocannon from 'autocannon';

export interface LoadSpec {
  origin: string;
  path: string;
  headers: Record<string, string>;
  /** A fixed body, or a function making each request's body (e.g. unique usernames). */
  body: string | (() => string);
  connections: number;
  durationSec: number;
  /** Requests per second over all connections (a fixed-rate probe); unset = as fast as answered. */
  overallRate?: number;
}

export interface LoadResult {
  /** 2xx responses per second. */
  rps: number;
  /** 2xx responses. */
  ok: number;
  /** Latency percentiles of 2xx responses, milliseconds. */
  p50: number;
  p99: number;
  mean: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  durationSec: number;
}

export interface RunningLoad {
  /** Ends the load early (the result then covers the time it ran). */
  stop(): void;
  done: Promise<LoadResult>;
}

export function startLoad(spec: LoadSpec): RunningLoad {
  const latencies: number[] = [];
  let ok = 0;
  const makeBody = spec.body;
  const options: autocannon.Options = {
    url: `${spec.origin}${spec.path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...spec.headers },
    connections: spec.connections,
    duration: spec.durationSec,
    timeout: 30,
    ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
    ...(typeof makeBody === 'string' ? { body: makeBody } : { requests: [{ setupRequest: (request) => ({ ...request, body: makeBody() }) }] }),
  };
  let instance: autocannon.Instance | undefined;
  const done = new Promise<LoadResult>((resolve, reject) => {
    instance = autocannon(options, (error: unknown, result: autocannon.Result) => {
      if (error) return reject(error instanceof Error ? error : new Error(String(error)));
      const sorted = latencies.sort((a, b) => a - b);
      const durationSec = result.duration;
      resolve({
        rps: durationSec > 0 ? ok / durationSec : 0,
        ok,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : Number.NaN,
        non2xx: result.non2xx,
        errors: result.errors,
        durationSec,
      });
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) {
        ok++;
        latencies.push(responseTime);
      }
    });
  });
  return { stop: () => instance?.stop(), done };
}

export const runLoad = (spec: LoadSpec): Promise<LoadResult> => startLoad(spec).done;

/** The p-th percentile (0–100) of ascending values, linearly interpolated; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** One JSON-RPC request body. */
export const rpcBody = (method: string, params?: unknown, id: number | string = 1): string =>
  JSON.stringify(params === undefined ? { jsonrpc: '2.0', method, id } : { jsonrpc: '2.0', method, params, id });

/** One POST with fetch; the parsed JSON-RPC answer (throws on HTTP ≠ 200 or a JSON-RPC error). */
export async function rpcCall<T = unknown>(origin: string, path: string, auth: string, method: string, params?: unknown): Promise<T> {
  const res = await fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: rpcBody(method, params) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} at ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  const answer = JSON.parse(text) as { result?: T; error?: unknown };
  if (answer.error !== undefined) throw new Error(`${method} at ${path}: ${JSON.stringify(answer.error).slice(0, 300)}`);
  return answer.result as T;
}

export const fmtMs = (ms: number) => (Number.isFinite(ms) ? (ms < 10 ? ms.toFixed(2) : ms.toFixed(1)) : 'n/a');
export const fmtRps = (rps: number) => (Number.isFinite(rps) ? rps.toFixed(0) : 'n/a');
export const fmtRatio = (r: number) => (Number.isFinite(r) ? r.toFixed(Math.abs(r) < 0.1 && r !== 0 ? 3 : 2) : 'n/a');

/** A one-line summary of a load run for the progress output. */
export function describeLoad(result: LoadResult): string {
  const problems = result.non2xx + result.errors > 0 ? `  (${result.non2xx} non-2xx, ${result.errors} errors)` : '';
  return `${fmtRps(result.rps)} req/s  p50 ${fmtMs(result.p50)} ms  p99 ${fmtMs(result.p99)} ms${problems}`;
}
