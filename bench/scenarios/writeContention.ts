/**
 * P3: getUser latency while 8 clients call createUser as fast as they can. A fixed-rate getUser
 * probe (so its latency shows interference, not its own queueing) runs idle and then under the
 * createUser load, taking turns for each round; the ratio is loaded p99 ÷ idle p99 of the round.
 */
import { APP_TOKEN_AUTH, progress, type BenchContext } from '../context';
import { describeLoad, fmtMs, fmtRatio, fmtRps, median, rpcBody, rpcCall, runLoad, startLoad, type LoadResult } from '../load';
import { withClient } from '../seed';
import { startRoster } from '../servers';
import { judge, THRESHOLDS, type ScenarioReport } from '../targets';

/** The getUser probe: connections and total requests per second. */
export const PROBE_CONNECTIONS = 4;
export const PROBE_RATE = 200;
/** Clients calling createUser back to back. */
export const WRITERS = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runWriteContention(ctx: BenchContext): Promise<ScenarioReport> {
  const { options } = ctx;
  const db = await ctx.seededDatabase();
  const userId = Math.min(42, db.userCount);
  const path = '/jsonrpc.php';
  const prefix = `p3w${process.pid}`;
  const roster = await startRoster({ databaseUrl: db.url }, options.pool);
  try {
    const created = await rpcCall<unknown>(roster.origin, path, APP_TOKEN_AUTH, 'createUser', { username: `${prefix}check`, password: 'bench-pass-1' });
    if (typeof created !== 'number') throw new Error(`createUser answered ${JSON.stringify(created)}`);
    progress(
      `P3: getUser probe (${PROBE_CONNECTIONS} connections, ${PROBE_RATE} req/s) idle, then with ${WRITERS} createUser clients — ${options.rounds} rounds × ${options.duration} s`,
    );
    const probe = { origin: roster.origin, path, headers: { authorization: APP_TOKEN_AUTH }, body: rpcBody('getUser', { user_id: userId }), connections: PROBE_CONNECTIONS, overallRate: PROBE_RATE };
    let serial = 0;
    const writerBody = () => rpcBody('createUser', { username: `${prefix}n${++serial}`, password: 'bench-pass-1' });

    const rounds: Array<{ round: number; idle: LoadResult; loaded: LoadResult; writers: LoadResult }> = [];
    for (let round = 1; round <= options.rounds; round++) {
      if (options.warmup > 0) await runLoad({ ...probe, durationSec: options.warmup });
      const idle = await runLoad({ ...probe, durationSec: options.duration });
      progress(`  round ${round}/${options.rounds} getUser idle          ${describeLoad(idle)}`);
      // the writers get the warm-up time as a head start, then the probe runs while they go on
      const writers = startLoad({ origin: roster.origin, path, headers: { authorization: APP_TOKEN_AUTH }, body: writerBody, connections: WRITERS, durationSec: options.warmup + options.duration + 30 });
      await sleep(Math.max(1, options.warmup) * 1000);
      const loaded = await runLoad({ ...probe, durationSec: options.duration });
      writers.stop();
      const writing = await writers.done;
      progress(`  round ${round}/${options.rounds} getUser under writes  ${describeLoad(loaded)}   (createUser: ${describeLoad(writing)})`);
      rounds.push({ round, idle, loaded, writers: writing });
    }
    const createdUsers = await withClient(db.url, async (c) => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM users WHERE username LIKE $1', [`${prefix}n%`])).rows[0].n));
    return summarize(ctx, rounds, createdUsers, serial);
  } finally {
    await roster.stop();
  }
}

function summarize(ctx: BenchContext, rounds: Array<{ round: number; idle: LoadResult; loaded: LoadResult; writers: LoadResult }>, createdUsers: number, sent: number): ScenarioReport {
  const { options } = ctx;
  const ratio = median(rounds.map((r) => r.loaded.p99 / r.idle.p99));
  const idleP99 = median(rounds.map((r) => r.idle.p99));
  const loadedP99 = median(rounds.map((r) => r.loaded.p99));
  const writesPerSecond = median(rounds.map((r) => r.writers.rps));
  for (const r of rounds) {
    for (const [what, result] of [['idle probe', r.idle], ['loaded probe', r.loaded], ['createUser', r.writers]] as const) {
      if (result.non2xx + result.errors > 0) ctx.warn(`P3 round ${r.round} ${what}: ${result.non2xx} non-2xx responses, ${result.errors} connection errors`);
    }
  }
  if (createdUsers === 0) ctx.warn('P3: the createUser clients created no user');
  const target = judge({
    id: 'P3',
    target: 'P3',
    what: `getUser p99 while ${WRITERS} clients call createUser ÷ idle p99`,
    measured: ratio,
    unit: 'ratio',
    comparator: '<=',
    threshold: THRESHOLDS.P3,
    chartLabel: 'p99 under writes ÷ idle p99',
    detail: `${fmtMs(loadedP99)} / ${fmtMs(idleP99)} ms`,
  });
  const md = [
    '### getUser under createUser load (P3)',
    '',
    `A getUser probe at a fixed ${PROBE_RATE} req/s over ${PROBE_CONNECTIONS} connections, ${options.duration} s idle, then ${options.duration} s while ` +
      `${WRITERS} clients call createUser back to back (unique usernames, default bcrypt cost); ${options.rounds} rounds. ` +
      `createUser: median ${fmtRps(writesPerSecond)} calls/s; ${createdUsers} users created by ${sent} calls sent (calls in flight when a round ends are cut off).`,
    '',
    '| round | idle p50 | idle p99 | loaded p50 | loaded p99 | p99 ratio | createUser/s |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rounds.map(
      (r) =>
        `| ${r.round} | ${fmtMs(r.idle.p50)} ms | ${fmtMs(r.idle.p99)} ms | ${fmtMs(r.loaded.p50)} ms | ${fmtMs(r.loaded.p99)} ms | ${fmtRatio(r.loaded.p99 / r.idle.p99)} | ${fmtRps(r.writers.rps)} |`,
    ),
  ].join('\n');
  return {
    targets: [target],
    markdown: [md],
    data: { probe: { connections: PROBE_CONNECTIONS, rate: PROBE_RATE }, writers: WRITERS, createdUsers, createCallsSent: sent, idleP99, loadedP99, ratio, rounds },
  };
}
