/**
 * P6: a warm start — `node dist/src/main.js` on a database that already holds Roster's data —
 * timed from spawn until GET /readyz answers 200 (polled every 10 ms). On Postgres: the seeded
 * bench database. On PGlite: a data directory made by a first start (not timed) and filled by
 * `roster import`; the starts after it are timed. Median of several starts each.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLI_JS, progress, type BenchContext } from '../context';
import { fmtMs, median } from '../load';
import { writeImportFile } from '../seed';
import { rosterEnv, runNode, startRoster } from '../servers';
import { judge, THRESHOLDS, type ScenarioReport, type TargetResult } from '../targets';

const STARTS = 3;
/** Users imported into the PGlite data directory before its starts are timed. */
const PGLITE_USERS = 10000;

async function timeStarts(label: string, db: { databaseUrl?: string; dataDir?: string }, pool: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 1; i <= STARTS; i++) {
    const roster = await startRoster(db, pool, `Roster (${label})`);
    times.push(roster.readyMs);
    await roster.stop();
    progress(`  ${label} start ${i}/${STARTS}: ready in ${fmtMs(roster.readyMs)} ms`);
  }
  return times;
}

export async function runWarmStart(ctx: BenchContext): Promise<ScenarioReport> {
  const { options } = ctx;
  const db = await ctx.seededDatabase();
  progress(`P6: warm starts on Postgres (${db.userCount} users) …`);
  const postgres = await timeStarts('Postgres', { databaseUrl: db.url }, options.pool);

  const dataDir = path.join(ctx.tmpDir, 'pglite');
  fs.mkdirSync(dataDir, { recursive: true });
  progress(`P6: first start on PGlite (creates ${dataDir}; not timed) …`);
  const first = await startRoster({ dataDir }, options.pool, 'Roster (PGlite, first start)', 300000);
  await first.stop();
  const pgliteUsers = Math.min(PGLITE_USERS, options.users);
  const file = path.join(ctx.tmpDir, 'pglite-users.jsonl');
  await writeImportFile(file, pgliteUsers);
  const imported = await runNode([CLI_JS, 'import', file, '--no-progress'], rosterEnv({ dataDir }, options.pool), 300000);
  if (imported.code !== 0) ctx.warn(`P6: importing ${pgliteUsers} users into PGlite failed (${imported.code}): ${imported.stderr.trim().split('\n')[0]}`);
  progress(`P6: warm starts on PGlite (${first.readyMs.toFixed(0)} ms first start; ${imported.code === 0 ? pgliteUsers : 0} users imported) …`);
  const pglite = await timeStarts('PGlite', { dataDir }, options.pool);

  const row = (label: string, times: number[], note?: string): TargetResult =>
    judge({
      id: `P6 ${label}`,
      target: 'P6',
      what: `warm start on ${label}: spawn → GET /readyz 200 (median of ${STARTS})`,
      measured: median(times) / 1000,
      unit: 's',
      comparator: '<=',
      threshold: THRESHOLDS.P6_SECONDS,
      detail: times.map((t) => `${(t / 1000).toFixed(2)}`).join(', ') + ' s',
      note,
    });
  const md = [
    '### Warm start (P6)',
    '',
    `Time from spawning \`node dist/src/main.js\` until \`GET /readyz\` answers 200, ${STARTS} starts each, each stopped with SIGTERM before the next. ` +
      `Postgres: the bench database (${db.userCount} users). PGlite: a data directory made by a first start (${(first.readyMs / 1000).toFixed(2)} s, not counted) ` +
      `holding ${imported.code === 0 ? pgliteUsers : 0} imported users.`,
    '',
    '| database | starts (s) | median |',
    '|---|---|---:|',
    `| Postgres | ${postgres.map((t) => (t / 1000).toFixed(2)).join(', ')} | ${(median(postgres) / 1000).toFixed(2)} s |`,
    `| PGlite | ${pglite.map((t) => (t / 1000).toFixed(2)).join(', ')} | ${(median(pglite) / 1000).toFixed(2)} s |`,
  ].join('\n');
  return {
    targets: [row('Postgres', postgres), row('PGlite', pglite)],
    markdown: [md],
    data: { starts: STARTS, postgresMs: postgres, pgliteMs: pglite, pgliteFirstStartMs: first.readyMs, pgliteUsers: imported.code === 0 ? pgliteUsers : 0 },
  };
}
