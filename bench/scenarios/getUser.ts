/**
 * P1 and P2: getUser at /jsonrpc.php under load. The baseline, Roster with the app token and
 * Roster with username:password take turns (A B C A B C …), each run after a discarded warm-up,
 * with the same request, connections and duration. Ratios are taken within a round, then the
 * median over the rounds.
 */
import { ADMIN_PASSWORD_AUTH, APP_TOKEN_AUTH, progress, type BenchContext } from '../context';
import { describeLoad, fmtMs, fmtRatio, fmtRps, median, rpcBody, rpcCall, runLoad, type LoadResult } from '../load';
import { startBaseline, startRoster, type ServerProcess } from '../servers';
import { judge, THRESHOLDS, type ScenarioReport, type TargetResult } from '../targets';

type VariantKey = 'baseline' | 'token' | 'password';

interface Variant {
  key: VariantKey;
  label: string;
  server: ServerProcess;
  auth: string;
}

const LABELS: Record<VariantKey, string> = {
  baseline: 'baseline (node:http + pg)',
  token: 'Roster, app token',
  password: 'Roster, username:password',
};

export async function runGetUser(ctx: BenchContext, want: { p1: boolean; p2: boolean }): Promise<ScenarioReport> {
  const { options } = ctx;
  const db = await ctx.seededDatabase();
  const userId = Math.min(42, db.userCount);
  const body = rpcBody('getUser', { user_id: userId });
  const path = '/jsonrpc.php';

  const keys: VariantKey[] = [...(want.p1 ? (['baseline'] as const) : []), 'token', ...(want.p2 ? (['password'] as const) : [])];
  const servers: ServerProcess[] = [];
  try {
    const roster = await startRoster({ databaseUrl: db.url }, options.pool);
    servers.push(roster);
    const baseline = want.p1 ? await startBaseline(db.url, options.pool) : undefined;
    if (baseline) servers.push(baseline);
    const variants: Variant[] = keys.map((key) => ({
      key,
      label: LABELS[key],
      server: key === 'baseline' ? baseline! : roster,
      // the baseline ignores credentials; it gets the very same request as Roster with the app token
      auth: key === 'password' ? ADMIN_PASSWORD_AUTH : APP_TOKEN_AUTH,
    }));
    for (const v of variants) {
      const user = await rpcCall<{ id?: unknown } | null>(v.server.origin, path, v.auth, 'getUser', { user_id: userId });
      if (!user || Number(user.id) !== userId) throw new Error(`${v.label}: getUser(${userId}) answered ${JSON.stringify(user)}`);
    }
    progress(`getUser(${userId}) at ${path}: ${keys.map((k) => LABELS[k]).join(' / ')} — ${options.rounds} rounds × ${options.duration} s, ${options.connections} connections, pool ${options.pool}`);

    const runs: Array<{ round: number; key: VariantKey; result: LoadResult }> = [];
    for (let round = 1; round <= options.rounds; round++) {
      for (const v of variants) {
        const spec = { origin: v.server.origin, path, headers: { authorization: v.auth }, body, connections: options.connections };
        if (options.warmup > 0) await runLoad({ ...spec, durationSec: options.warmup });
        const result = await runLoad({ ...spec, durationSec: options.duration });
        runs.push({ round, key: v.key, result });
        progress(`  round ${round}/${options.rounds} ${v.label.padEnd(26)} ${describeLoad(result)}`);
        if (result.ok === 0) throw new Error(`${v.label}: no successful response in round ${round}:\n${v.server.output()}`);
      }
    }
    return summarize(ctx, keys, runs, userId);
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}

function summarize(ctx: BenchContext, keys: VariantKey[], runs: Array<{ round: number; key: VariantKey; result: LoadResult }>, userId: number): ScenarioReport {
  const { options } = ctx;
  const of = (round: number, key: VariantKey) => runs.find((r) => r.round === round && r.key === key)!.result;
  const rounds = [...new Set(runs.map((r) => r.round))];
  const perRound = (key: VariantKey, ref: VariantKey, field: 'rps' | 'p50' | 'p99') => rounds.map((round) => of(round, key)[field] / of(round, ref)[field]);
  const med = (key: VariantKey, field: 'rps' | 'p50' | 'p99') => median(runs.filter((r) => r.key === key).map((r) => r.result[field]));
  for (const run of runs) {
    if (run.result.non2xx + run.result.errors > 0) ctx.warn(`getUser ${LABELS[run.key]} round ${run.round}: ${run.result.non2xx} non-2xx responses, ${run.result.errors} connection errors`);
  }

  const hasBaseline = keys.includes('baseline');
  const ref: VariantKey = hasBaseline ? 'baseline' : 'token';
  const summary = keys.map((key) => ({
    key,
    label: LABELS[key],
    rps: med(key, 'rps'),
    p50: med(key, 'p50'),
    p99: med(key, 'p99'),
    rpsRatio: median(perRound(key, ref, 'rps')),
    p50Ratio: median(perRound(key, ref, 'p50')),
    p99Ratio: median(perRound(key, ref, 'p99')),
  }));

  const targets: TargetResult[] = [];
  const chartExtras: Array<{ label: string; value: number }> = [];
  if (hasBaseline) {
    const ratio = median(perRound('token', 'baseline', 'rps'));
    const detail = `per round ${perRound('token', 'baseline', 'rps').map(fmtRatio).join(', ')}; medians ${fmtRps(med('token', 'rps'))} / ${fmtRps(med('baseline', 'rps'))} req/s`;
    const what = 'getUser, app token, /jsonrpc.php: throughput ÷ baseline';
    const chartLabel = 'req/s ÷ baseline';
    targets.push(judge({ id: 'P1', target: 'P1', what, measured: ratio, unit: 'ratio', comparator: '>=', threshold: THRESHOLDS.P1, detail, chartLabel }));
    if (options.quick) {
      targets.push(judge({ id: 'P1 guard', target: 'P1', what: 'regression guard of `--quick` on the P1 ratio', measured: ratio, unit: 'ratio', comparator: '>=', threshold: THRESHOLDS.P1_GUARD, detail, chartLabel }));
    }
    chartExtras.push({ label: 'P1 p50 latency ÷ baseline', value: median(perRound('token', 'baseline', 'p50')) });
    chartExtras.push({ label: 'P1 p99 latency ÷ baseline', value: median(perRound('token', 'baseline', 'p99')) });
  }
  if (keys.includes('password')) {
    const ratio = median(perRound('password', 'token', 'rps'));
    targets.push(
      judge({
        id: 'P2',
        target: 'P2',
        what: 'getUser with username:password: throughput ÷ P1 (app token)',
        measured: ratio,
        unit: 'ratio',
        comparator: '>=',
        threshold: THRESHOLDS.P2,
        chartLabel: 'req/s ÷ P1',
        detail: `per round ${perRound('password', 'token', 'rps').map(fmtRatio).join(', ')}; medians ${fmtRps(med('password', 'rps'))} / ${fmtRps(med('token', 'rps'))} req/s`,
      }),
    );
  }

  const refName = hasBaseline ? 'baseline' : 'app token';
  const md = [
    `### getUser throughput and latency (P1${keys.includes('password') ? ', P2' : ''})`,
    '',
    `\`getUser({"user_id":${userId}})\` at \`/jsonrpc.php\`, ${options.connections} connections, pool ${options.pool}, ` +
      `${options.rounds} rounds of ${options.duration} s per server (after ${options.warmup} s warm-up), taking turns. ` +
      `Ratios are to the ${refName} of the same round, median over the rounds.`,
    '',
    `| server | req/s | p50 | p99 | req/s ÷ ${refName} | p50 ÷ ${refName} | p99 ÷ ${refName} |`,
    '|---|---:|---:|---:|---:|---:|---:|',
    ...summary.map((s) => `| ${s.label} | ${fmtRps(s.rps)} | ${fmtMs(s.p50)} ms | ${fmtMs(s.p99)} ms | ${fmtRatio(s.rpsRatio)} | ${fmtRatio(s.p50Ratio)} | ${fmtRatio(s.p99Ratio)} |`),
    '',
    '<details><summary>every run</summary>',
    '',
    '| round | server | req/s | p50 | p99 | non-2xx | errors |',
    '|---:|---|---:|---:|---:|---:|---:|',
    ...runs.map((r) => `| ${r.round} | ${LABELS[r.key]} | ${fmtRps(r.result.rps)} | ${fmtMs(r.result.p50)} ms | ${fmtMs(r.result.p99)} ms | ${r.result.non2xx} | ${r.result.errors} |`),
    '',
    '</details>',
  ].join('\n');
  return {
    targets,
    markdown: [md],
    data: { userId, connections: options.connections, pool: options.pool, reference: ref, summary, runs: runs.map((r) => ({ round: r.round, server: r.key, ...r.result })) },
    chartExtras,
  };
}
