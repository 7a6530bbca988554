/**
 * P5: `roster import users.jsonl` of 100,000 users without passwords into a fresh, migrated
 * Postgres database, timed from spawn to exit (node start-up included). A refused import is a
 * failed target, with the command's message in the note.
 */
import path from 'node:path';
import { CLI_JS, progress, type BenchContext } from '../context';
import { createDatabase, withClient, writeImportFile } from '../seed';
import { rosterEnv, runNode } from '../servers';
import { judge, TARGET_USERS, THRESHOLDS, type ScenarioReport, type TargetResult } from '../targets';

/** The import is killed after this long (and fails the target). */
const IMPORT_TIMEOUT_MS = 300000;

const firstLines = (text: string, n = 5) => text.trim().split('\n').slice(0, n).join(' | ');

export async function runImport(ctx: BenchContext): Promise<ScenarioReport> {
  const { options } = ctx;
  const count = options.users;
  const file = path.join(ctx.tmpDir, 'import.jsonl');
  await writeImportFile(file, count);
  const database = await createDatabase(options.postgresUrl, '_import');
  try {
    const env = rosterEnv({ databaseUrl: database.url }, options.pool);
    const migrated = await runNode([CLI_JS, 'migrate'], env, 120000);
    if (migrated.code !== 0) throw new Error(`roster migrate failed (${migrated.code}): ${migrated.stderr}`);
    progress(`P5: roster import of ${count} users without passwords (JSON Lines) into a fresh database …`);
    const run = await runNode([CLI_JS, 'import', file, '--no-progress'], env, IMPORT_TIMEOUT_MS);
    const imported = await withClient(database.url, async (c) => Number((await c.query<{ n: string }>("SELECT count(*) AS n FROM users WHERE username LIKE 'import%'")).rows[0].n));
    const seconds = run.ms / 1000;
    progress(`  import exited ${run.code} after ${seconds.toFixed(1)} s: ${firstLines(run.stdout) || firstLines(run.stderr)} (${imported} users in the table)`);

    let failure: string | undefined;
    if (run.timedOut) failure = `killed after ${IMPORT_TIMEOUT_MS / 1000} s`;
    else if (run.code !== 0) failure = `refused (exit ${run.code}): ${firstLines(run.stderr || run.stdout, 3)}`;
    else if (imported !== count) failure = `${imported} of ${count} users in the table afterwards`;
    const reduced = count < TARGET_USERS ? `measured with ${count} users; the target is defined at ${TARGET_USERS}` : undefined;
    const row = judge({
      id: 'P5',
      target: 'P5',
      what: `roster import of ${count} users without passwords (JSON Lines)`,
      measured: seconds,
      unit: 's',
      comparator: '<=',
      threshold: THRESHOLDS.P5_SECONDS,
      detail: `${imported} users imported; ${(seconds > 0 ? count / seconds : 0).toFixed(0)} rows/s`,
      note: failure ?? reduced,
    });
    const target: TargetResult = failure ? { ...row, pass: false } : row;
    const md = [
      '### Import (P5)',
      '',
      `\`node dist/src/cli.js import import.jsonl --no-progress\` on a fresh, migrated Postgres database; ${count} rows ` +
        '`{"username","name","email"}` without passwords; timed from spawn to exit.',
      '',
      `Exit ${run.code} after ${seconds.toFixed(1)} s; ${imported} users in the table. Output: \`${firstLines(run.stdout) || '(none)'}\`` +
        (run.code !== 0 ? `; stderr: \`${firstLines(run.stderr, 3)}\`` : ''),
    ].join('\n');
    return { targets: [target], markdown: [md], data: { users: count, seconds, exitCode: run.code, imported, stdout: run.stdout.slice(0, 2000), stderr: run.stderr.slice(0, 2000) } };
  } finally {
    await database.drop();
  }
}
