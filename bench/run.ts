/**
 * `npm run bench [-- options]`: Roster's performance targets (issue #7, P1–P6) measured against
 * the bare baseline (bench/baseline.mjs) on a fresh Postgres database, reported as Markdown, JSON
 * and SVG in bench/results/. `--quick` is the CI regression guard: P1 only, under a minute, exit 1
 * when P1 falls below 0.6. See README "Performance".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { checkVendoredBaseline } from './baselineCheck';
import { cleanupAll, installSignalHandlers, onCleanup } from './cleanup';
import { MAIN_JS, progress, TARGET_IDS, type BenchContext, type BenchOptions, type SeededDatabase, type TargetId } from './context';
import { describeMachine, formatMachine } from './machine';
import { targetsTable, writeReport, type RunReport } from './report';
import { runGetUser } from './scenarios/getUser';
import { runImport } from './scenarios/import';
import { runManyUsers } from './scenarios/manyUsers';
import { runWarmStart } from './scenarios/warmStart';
import { runWriteContention } from './scenarios/writeContention';
import { createDatabase, DEFAULT_POSTGRES_URL, postgresVersion, redact, seedUsers } from './seed';
import { startRoster } from './servers';
import { TARGET_USERS, THRESHOLDS, type ScenarioReport, type TargetResult } from './targets';

function wholeNumber(min: number) {
  return (value: string): number => {
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!(n >= min)) throw new InvalidArgumentError(`must be a whole number ≥ ${min}.`);
    return n;
  };
}

function seconds(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!(value.trim() !== '' && Number.isFinite(n) && n >= min)) throw new InvalidArgumentError(`must be a number of seconds ≥ ${min}.`);
    return n;
  };
}

function parseOnly(value: string): Set<TargetId> {
  const ids = value.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const unknown = ids.filter((id) => !(TARGET_IDS as readonly string[]).includes(id));
  if (ids.length === 0 || unknown.length) throw new InvalidArgumentError(`must be a comma-separated list of ${TARGET_IDS.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}.`);
  return new Set(ids as TargetId[]);
}

interface CliOptions {
  quick?: boolean;
  only?: Set<TargetId>;
  duration?: number;
  warmup?: number;
  rounds?: number;
  connections?: number;
  pool?: number;
  users?: number;
}

function buildProgram(): Command {
  return new Command('bench')
    .description("Measure Roster's performance targets (P1–P6) against the bare baseline on a fresh Postgres database")
    .option('--quick', 'CI regression guard: P1 only, short runs (under 60 s); exits 1 when P1 < 0.6')
    .option('--only <targets>', `comma-separated targets to run, e.g. P1,P4 (default: all; --quick: P1)`, parseOnly)
    .option('--duration <seconds>', 'length of each measured load run (default 10; --quick 3)', seconds(0.5))
    .option('--warmup <seconds>', 'discarded warm-up before each measured run (default 2; --quick 1)', seconds(0))
    .option('--rounds <n>', 'measured runs per server, taking turns A B A B (default 5, --quick 3)', wholeNumber(1))
    .option('--connections <n>', 'concurrent connections of the getUser load, same for Roster and the baseline (default 10)', wholeNumber(1))
    .option('--pool <n>', 'database pool size: DB_POOL_SIZE of Roster and POOL of the baseline (default 10)', wholeNumber(1))
    .option('--users <n>', `users seeded (P1–P4, P6) and imported (P5) (default ${TARGET_USERS}; --quick 1000)`, wholeNumber(100))
    .addHelpText(
      'after',
      `
Postgres: BENCH_DATABASE_URL (default ${DEFAULT_POSTGRES_URL}); the run creates
and drops the databases roster_bench_<pid> and roster_bench_<pid>_import there.
Reports: bench/results/<time>-<mode>/ and bench/results/latest.{md,json,svg}.
A full run exits 0 even when targets are missed (the report shows them) and 1 when
a scenario could not be measured; --quick exits 1 also when P1 < ${THRESHOLDS.P1_GUARD}.
`,
    );
}

function resolveOptions(cli: CliOptions): BenchOptions {
  const quick = cli.quick === true;
  return {
    quick,
    only: cli.only ?? new Set<TargetId>(quick ? ['P1'] : TARGET_IDS),
    duration: cli.duration ?? (quick ? 3 : 10),
    warmup: cli.warmup ?? (quick ? 1 : 2),
    // five rounds: the median of the per-round ratios outlasts one or two rounds disturbed by the machine
    rounds: cli.rounds ?? (quick ? 3 : 5),
    connections: cli.connections ?? 10,
    pool: cli.pool ?? 10,
    users: cli.users ?? (quick ? 1000 : TARGET_USERS),
    postgresUrl: process.env.BENCH_DATABASE_URL || DEFAULT_POSTGRES_URL,
  };
}

interface Scenario {
  ids: TargetId[];
  name: string;
  run(ctx: BenchContext, selected: ReadonlySet<TargetId>): Promise<ScenarioReport>;
}

/** In this order: the load scenarios on the seeded database first, then restarts, then the import. */
const SCENARIOS: Scenario[] = [
  { ids: ['P1', 'P2'], name: 'getUser', run: (ctx, s) => runGetUser(ctx, { p1: s.has('P1'), p2: s.has('P2') }) },
  // P4 before P3: P3's createUser calls add users, and P4 is defined at the seeded count
  { ids: ['P4'], name: 'manyUsers', run: (ctx) => runManyUsers(ctx) },
  { ids: ['P3'], name: 'writeContention', run: (ctx) => runWriteContention(ctx) },
  { ids: ['P6'], name: 'warmStart', run: (ctx) => runWarmStart(ctx) },
  { ids: ['P5'], name: 'import', run: (ctx) => runImport(ctx) },
];

function loudGuardFailure(row: TargetResult | undefined, reason?: string): void {
  const bar = '#'.repeat(96);
  const message = row
    ? `BENCH REGRESSION: P1 = ${Number.isFinite(row.measured) ? row.measured.toFixed(2) : 'not measured'} < ${THRESHOLDS.P1_GUARD} — Roster's getUser throughput (app token) fell below ${THRESHOLDS.P1_GUARD * 100} % of the baseline (${row.detail})`
    : `BENCH REGRESSION GUARD could not measure P1: ${reason ?? 'unknown error'}`;
  process.stderr.write(`\n${bar}\n# ${message}\n${bar}\n\n`);
}

async function main(): Promise<number> {
  const program = buildProgram();
  program.parse(process.argv);
  const options = resolveOptions(program.opts<CliOptions>());
  installSignalHandlers();
  const startedAt = new Date();
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    progress(`WARNING: ${message}`);
  };

  if (!fs.existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run "npm run build" first (npm run bench does)`);
  const vendored = checkVendoredBaseline();
  if (vendored) warn(vendored);
  const machine = describeMachine(await postgresVersion(options.postgresUrl));
  process.stdout.write(`Machine: ${formatMachine(machine)}\n`);
  if (machine.loadAverage[0] > machine.availableParallelism * 0.75) {
    warn(`the machine is busy (load average ${machine.loadAverage[0]} on ${machine.availableParallelism} CPUs): absolute figures will be low and ratios noisy`);
  }
  const selected = [...options.only].sort().join(',');
  progress(
    `${options.quick ? 'quick' : 'run'}: ${selected}; ${options.rounds} round${options.rounds === 1 ? '' : 's'} × ${options.duration} s (+${options.warmup} s warm-up), ${options.connections} connections, ` +
      `pool ${options.pool}, ${options.users} users, Postgres ${redact(options.postgresUrl)}`,
  );

  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-bench-'));
  onCleanup(`remove ${tmpDir}`, () => fs.rmSync(tmpDir, { recursive: true, force: true }));

  let seeded: Promise<SeededDatabase> | undefined;
  const ctx: BenchContext = {
    options,
    tmpDir,
    warn,
    seededDatabase: () =>
      (seeded ??= (async () => {
        const database = await createDatabase(options.postgresUrl);
        progress(`database ${database.name}: first start of Roster (migrations, admin) …`);
        const first = await startRoster({ databaseUrl: database.url }, options.pool, 'Roster (first start)');
        await first.stop();
        const started = performance.now();
        const userCount = await seedUsers(database.url, options.users);
        progress(`database ${database.name}: ${options.users} users seeded in ${((performance.now() - started) / 1000).toFixed(1)} s (${userCount} in the table)`);
        return { url: database.url, userCount };
      })()),
  };

  const targets: TargetResult[] = [];
  const sections: string[] = [];
  const data: Record<string, unknown> = {};
  const chartExtras: RunReport['chartExtras'] = [];
  const errors: string[] = [];
  try {
    for (const scenario of SCENARIOS) {
      const ids = scenario.ids.filter((id) => options.only.has(id));
      if (ids.length === 0) continue;
      try {
        const result = await scenario.run(ctx, options.only);
        targets.push(...result.targets);
        sections.push(...result.markdown);
        data[scenario.name] = result.data;
        chartExtras.push(...(result.chartExtras ?? []));
      } catch (error) {
        const message = `${ids.join(', ')} (${scenario.name}): ${(error as Error).message.split('\n')[0]}`;
        errors.push(message);
        progress(`ERROR ${message}`);
        if (process.env.BENCH_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
      }
    }
  } finally {
    progress('cleaning up (servers, bench databases, temporary files) …');
    await cleanupAll();
  }

  // report order P1 … P6 (the scenarios run in another order); stable within a target
  targets.sort((a, b) => TARGET_IDS.indexOf(a.target) - TARGET_IDS.indexOf(b.target));
  const allSelected = TARGET_IDS.every((id) => options.only.has(id));
  const report: RunReport = {
    startedAt,
    finishedAt: new Date(),
    mode: options.quick ? 'quick' : allSelected && options.users === TARGET_USERS ? 'full' : 'partial',
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    settings: {
      targets: selected,
      rounds: options.rounds,
      'duration (s)': options.duration,
      'warm-up (s)': options.warmup,
      connections: options.connections,
      pool: options.pool,
      users: options.users,
    },
    machine,
    targets,
    sections,
    data,
    chartExtras,
    warnings,
    errors,
  };
  const dir = writeReport(report);
  process.stdout.write(`\n${targetsTable(targets)}\n\n`);
  if (errors.length) process.stdout.write(`Not measured:\n${errors.map((e) => `  ${e}`).join('\n')}\n\n`);
  process.stdout.write(`Report: ${path.relative(process.cwd(), dir) || dir}/report.{md,json,svg} (also bench/results/latest.*)\n`);

  if (options.quick && options.only.has('P1')) {
    const guard = targets.find((t) => t.id === 'P1 guard');
    if (!guard || guard.pass !== true) {
      loudGuardFailure(guard, errors.find((e) => e.startsWith('P1')));
      return 1;
    }
    process.stdout.write(`P1 regression guard: ${guard.measured.toFixed(2)} ≥ ${THRESHOLDS.P1_GUARD} — ok\n`);
  }
  return errors.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    await cleanupAll();
    process.exit(1);
  },
);
