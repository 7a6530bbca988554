/**
 * The fuzz loop: request i is generated from (seed, i) alone, sent on its own connection, and
 * checked — the answer's invariants (./invariants.ts), no error logged by the app, and the database
 * digest: unchanged after a rejected request and after an accepted one that reaches only reading
 * procedures. Requests run one at a time, so every change is the last request's. After an accepted
 * write the fixture's accounts are restored. Every `healthEvery` requests the app must still answer
 * /healthz and getVersion.
 */
import type { AnyProcedure } from '../../src/core/procedure';
import type { Fixture } from './fixture';
import { changedTables, type Digest } from './digest';
import { answerProblems, outcomeOf, reachableProcedures, Taint, type Outcome } from './invariants';
import { jsonRpcRequest } from './jsonrpc';
import { nmcuserOidcRequest } from './nmcuserOidc';
import { ocsRequest } from './ocs';
import { Random } from './random';
import { sweepCases, valueOfType, type SweepCase } from './sweep';
import { exchange, requestBytes, type FuzzRequest, type FuzzSurface } from './wire';

export interface FuzzOptions {
  seed: string;
  count: number;
  /** Only these request numbers (a replay); default all of 0..count-1. */
  only?: readonly number[];
  port: number;
  fixture: Fixture;
  registry: readonly AnyProcedure[];
  digest(): Promise<Digest>;
  /** The app's log lines (JSON), appended to as it logs. */
  logs: readonly string[];
  /** The app still answers (health probe and a JSON-RPC call). */
  healthy(): Promise<string | null>;
  healthEvery?: number;
  timeoutMs?: number;
}

export interface Finding {
  index: number;
  label: string;
  problems: string[];
  /** The start of the request's bytes, escaped. */
  request: string;
  status: number;
  answer: string;
}

export interface FuzzReport {
  sent: number;
  bySurface: Record<FuzzSurface, number>;
  byOutcome: Record<Outcome, number>;
  /** Requests after which the database had changed (the fixture was then restored). */
  dataChanges: number;
  findings: Finding[];
  /** Milliseconds spent sending requests, taking digests and restoring the fixture. */
  timings: { exchange: number; digest: number; restore: number };
}

/** Request i of a run: every fourth the next sweep case (./sweep.ts), the others random. */
export function generateRequest(seed: string, index: number, fixture: Fixture, registry: readonly AnyProcedure[], cases: readonly SweepCase[]): FuzzRequest {
  const rng = Random.forRequest(seed, index);
  if (index % 4 === 3 && cases.length > 0) {
    const sweep = cases[((index - 3) / 4) % cases.length];
    const focus = { param: sweep.param, value: valueOfType(rng, sweep.type) };
    if (sweep.surface === 'ocs') return ocsRequest(rng, fixture, { ...focus, route: sweep.target as number });
    if (sweep.surface === 'nmcuser_oidc') return nmcuserOidcRequest(rng, fixture, { ...focus, route: sweep.target as number });
    const procedure = registry.find((p) => p.name === sweep.target)!;
    return jsonRpcRequest(rng, fixture, registry, rng.chance(0.5) ? '/jsonrpc.php' : '/rpc', { ...focus, procedure });
  }
  const surface = rng.weighted<FuzzSurface>([[27, 'jsonrpc'], [27, 'rpc'], [28, 'ocs'], [18, 'nmcuser_oidc']]);
  if (surface === 'ocs') return ocsRequest(rng, fixture);
  if (surface === 'nmcuser_oidc') return nmcuserOidcRequest(rng, fixture);
  return jsonRpcRequest(rng, fixture, registry, surface === 'jsonrpc' ? '/jsonrpc.php' : '/rpc');
}

const preview = (bytes: Buffer, max = 600) => JSON.stringify(bytes.subarray(0, max).toString('latin1')) + (bytes.length > max ? ` … (${bytes.length} bytes)` : '');

/** Error-level lines the app logged since `from` (level ≥ 50). */
function loggedErrors(logs: readonly string[], from: number): string[] {
  const out: string[] = [];
  for (const line of logs.slice(from)) {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { type?: string; message?: string; stack?: string } };
      if ((entry.level ?? 0) < 50) continue;
      out.push(`logged error: ${entry.msg}${entry.err ? ` (${entry.err.type}: ${String(entry.err.message).slice(0, 160)})` : ''}`);
      // where it was thrown, for the report (not a problem of its own)
      const frames = (entry.err?.stack ?? '').split('\n').slice(1, 4).map((f) => f.trim());
      if (frames.length > 0 && frames[0] !== '') out.push(`  thrown ${frames.join(' ← ')}`);
    } catch {
      out.push(`unparsable log line: ${line.slice(0, 120)}`);
    }
  }
  return out;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const { seed, fixture, registry } = options;
  const taint = new Taint();
  const cases = sweepCases(registry, seed);
  const report: FuzzReport = {
    sent: 0,
    bySurface: { jsonrpc: 0, rpc: 0, ocs: 0, nmcuser_oidc: 0 },
    byOutcome: { accepted: 0, rejected: 0, unknown: 0 },
    dataChanges: 0,
    findings: [],
    timings: { exchange: 0, digest: 0, restore: 0 },
  };
  const timed = async <T>(key: keyof FuzzReport['timings'], work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      report.timings[key] += performance.now() - started;
    }
  };
  const indices = options.only ?? Array.from({ length: options.count }, (_, i) => i);
  let digest = await options.digest();
  for (const [n, index] of indices.entries()) {
    const request = generateRequest(seed, index, fixture, registry, cases);
    const bytes = requestBytes(request.wire);
    taint.note(bytes);
    const logsBefore = options.logs.length;
    const halfClose = request.wire.framing === 'short';
    const result = await timed('exchange', () => exchange(options.port, bytes, halfClose ? 3000 : (options.timeoutMs ?? 20000), halfClose));
    if (halfClose) result.timedOut = false; // a body cut short may be waited for until the server's own timeout
    report.sent += 1;
    report.bySurface[request.surface] += 1;
    const outcome = outcomeOf(request, result);
    report.byOutcome[outcome] += 1;
    const problems = answerProblems(request, result, taint);
    problems.push(...loggedErrors(options.logs, logsBefore));

    const after = await timed('digest', options.digest);
    const changed = changedTables(digest, after);
    const reachable = reachableProcedures(request, registry);
    const readOnly = reachable !== undefined && reachable.every((p) => !p.writes);
    if (changed.length > 0 && outcome === 'rejected') problems.push(`rejected request changed ${changed.join(', ')}`);
    else if (changed.length > 0 && outcome === 'accepted' && readOnly) problems.push(`read-only request changed ${changed.join(', ')}`);
    if (changed.length > 0) {
      report.dataChanges += 1;
      await timed('restore', fixture.restore);
      digest = await timed('digest', options.digest);
    }

    if (problems.length > 0) {
      report.findings.push({ index, label: request.label, problems, request: preview(bytes), status: result.answer.status, answer: preview(result.answer.body, 400) });
    }
    if ((n + 1) % (options.healthEvery ?? 100) === 0 || n === indices.length - 1) {
      const unhealthy = await options.healthy();
      if (unhealthy) {
        report.findings.push({ index, label: request.label, problems: [`app unhealthy after this request: ${unhealthy}`], request: preview(bytes), status: result.answer.status, answer: '' });
        break;
      }
    }
  }
  return report;
}

/** A failure message that says how to replay it. */
export function describeFindings(seed: string, count: number, findings: readonly Finding[]): string {
  const lines = [`${findings.length} fuzz finding(s) with FUZZ_SEED=${seed} FUZZ_COUNT=${count}; replay one with FUZZ_ONLY=<index>:`];
  for (const f of findings.slice(0, 25)) {
    lines.push(`#${f.index} ${f.label}`, `  problems: ${f.problems.join('; ')}`, `  request: ${f.request}`, `  answer (${f.status}): ${f.answer}`);
  }
  if (findings.length > 25) lines.push(`… and ${findings.length - 25} more`);
  return lines.join('\n');
}
