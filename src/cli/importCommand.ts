/**
 * `roster import <file>`: users from CSV or JSON Lines (see src/import/importUsers.ts for the
 * rules). The error report and the progress go to stderr, the one-line summary to stdout.
 * Exit status: 0 imported (or dry run clean), 1 an invalid row, an unreadable file or a failed
 * batch, 2 usage.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgumentError, type Command } from 'commander';
import { createPasswordService } from '../auth/passwords';
import type { InputFormat } from '../import/importRow';
import { importUsers, type ImportResult } from '../import/importUsers';
import { createProgress, formatDuration } from '../import/progress';
import { importFromKanboard } from '../import/kanboard';
import { runCommand, type CommandOutcome } from './runtime';

export const DEFAULT_BATCH_SIZE = 500;
const MAX_BATCH_SIZE = 10000;

interface ImportCommandOptions {
  format?: InputFormat;
  update?: boolean;
  dryRun?: boolean;
  batchSize: number;
  progress: boolean;
  fromKanboard?: string;
}

const FORMATS: Readonly<Record<string, InputFormat>> = { csv: 'csv', jsonl: 'jsonl', ndjson: 'jsonl' };

function parseFormat(value: string): InputFormat {
  const format = FORMATS[value.toLowerCase()];
  if (!format) throw new InvalidArgumentError('must be csv or jsonl (ndjson is accepted for jsonl).');
  return format;
}

function parseBatchSize(value: string): number {
  const size = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(size >= 1 && size <= MAX_BATCH_SIZE)) throw new InvalidArgumentError(`must be a whole number from 1 to ${MAX_BATCH_SIZE}.`);
  return size;
}

/** The format of `file`: --format, else its extension; standard input defaults to JSON Lines (what export writes). */
export function formatOf(file: string, given: InputFormat | undefined): InputFormat | null {
  if (given) return given;
  if (file === '-') return 'jsonl';
  return FORMATS[path.extname(file).slice(1).toLowerCase()] ?? null;
}

function elapsed(ms: number): string {
  return ms < 60000 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms / 1000);
}

const plural = (n: number, word: string, words = `${word}s`) => `${n} ${n === 1 ? word : words}`;

/** The summary line and the closing explanation of an import. */
export function describeImport(result: ImportResult, options: { dryRun: boolean }, ms: number): CommandOutcome {
  const groups = result.groupsCreated > 0 ? ` (${plural(result.groupsCreated, 'new group')})` : '';
  const counts = `created ${result.created}, updated ${result.updated}, unchanged ${result.unchanged}, failed ${result.failed}${groups} in ${elapsed(ms)}`;
  const stdout = `${options.dryRun ? 'dry run (nothing written): ' : ''}${counts}\n`;
  if (result.invalid > 0) {
    const why = result.truncated ? 'reading stopped at the error above' : `${plural(result.invalid, 'invalid row')} of ${result.rows}`;
    return { exitCode: 1, stdout, stderr: `${why}; nothing was written\n` };
  }
  const failure = result.failure;
  if (failure) {
    const before = failure.batch - 1;
    const stderr = [
      `batch ${failure.batch} of ${failure.batches} (lines ${failure.firstLine}–${failure.lastLine}, ${plural(failure.rows, 'row')}) failed and was rolled back: ${failure.reason}`,
      `${before === 0 ? 'no batch was committed before it' : `${plural(before, 'batch', 'batches')} before it (${plural(result.committedRows, 'row')}) ${before === 1 ? 'stays' : 'stay'} committed`}; ` +
        `${plural(result.notAttempted, 'row')} after it ${result.notAttempted === 1 ? 'was' : 'were'} not attempted. Running the import again continues: committed rows are then unchanged.`,
    ];
    return { exitCode: 1, stdout, stderr: `${stderr.join('\n')}\n` };
  }
  return { exitCode: 0, stdout, stderr: '' };
}

/** Opens the input before the database, so a missing file is reported at once. */
async function openInput(file: string): Promise<Readable> {
  if (file === '-') return process.stdin;
  try {
    const handle = await fs.promises.open(file, 'r');
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    }
    return handle.createReadStream();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new Error(`cannot read ${file}: ${reason}`);
  }
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('create (or with --update change) users from a CSV or JSON Lines file; every row is validated before anything is written')
    .argument('[file]', 'a .csv, .jsonl or .ndjson file, or - for standard input (JSON Lines unless --format csv)')
    .option('--from-kanboard <database>', 'copy users (with their password hashes), groups, memberships, projects and project permissions from a Kanboard database: a postgres:// URL or a SQLite file')
    .option('--format <format>', 'csv or jsonl; default: from the file extension', parseFormat)
    .option('--update', 'change the fields the file gives for users that exist (default: leave existing users unchanged)')
    .option('--dry-run', 'validate and report what would be created, updated or left unchanged; write nothing')
    .option('--batch-size <rows>', `rows written per transaction (1–${MAX_BATCH_SIZE})`, parseBatchSize, DEFAULT_BATCH_SIZE)
    .option('--no-progress', 'no progress display (shown on stderr: a bar on a terminal, else a line every 10 s)')
    .addHelpText(
      'after',
      `
Columns (CSV header) or keys (JSON Lines): username (required), name, email, role (app-admin,
app-manager, app-user; default app-user), password (plain text, hashed) or password_hash (bcrypt
$2a$/$2b$/$2y$, stored as is), groups (CSV: names separated by ";", JSON: an array; missing groups
are created), quota (none, default, bytes or e.g. 5GB), enabled (true/false, 1/0, yes/no).
An empty CSV cell is an absent field. Unknown columns are refused.

Examples:
  roster import users.csv --dry-run
  roster import users.jsonl --update
  roster import --from-kanboard /var/www/kanboard/data/db.sqlite --dry-run
  roster export | DATABASE_URL=postgres://… roster import -`,
    )
    .exitOverride()
    .action(async (file: string | undefined, options: ImportCommandOptions, command: Command) => {
      if (options.fromKanboard !== undefined) {
        if (file !== undefined) command.error('error: give either a file or --from-kanboard, not both', { exitCode: 2 });
        if (options.format !== undefined || options.batchSize !== DEFAULT_BATCH_SIZE) {
          command.error('error: --format and --batch-size apply to files; a Kanboard database is copied in one transaction', { exitCode: 2 });
        }
        const location = options.fromKanboard;
        const output = options.progress ? process.stderr : undefined;
        return runCommand((session) => importFromKanboard(session, location, { dryRun: options.dryRun === true, update: options.update === true }, output));
      }
      if (file === undefined) command.error("error: missing required argument 'file' (or give --from-kanboard <database>)", { exitCode: 2 });
      const format = formatOf(file, options.format);
      if (!format) command.error(`error: cannot tell the format of ${file} from its extension; use --format csv or --format jsonl`, { exitCode: 2 });
      const input = await openInput(file);
      return runCommand(async (session) => {
        const started = Date.now();
        const passwords = createPasswordService({ cost: session.config.bcryptCost, concurrency: session.config.hashConcurrency });
        const progress = createProgress(process.stderr, { label: options.dryRun ? 'checking' : 'importing', enabled: options.progress });
        const result = await importUsers(
          input,
          { format, update: options.update === true, dryRun: options.dryRun === true, batchSize: options.batchSize, source: file },
          { knex: session.knex, passwords, progress, report: (line) => process.stderr.write(`${line}\n`) },
        );
        return describeImport(result, { dryRun: options.dryRun === true }, Date.now() - started);
      });
    });
}
