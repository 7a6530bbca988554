/**
 * `roster import`: reads and validates the whole file first (every problem reported with its line,
 * nothing written if there is one), then writes the valid rows in batches, one transaction each.
 * A batch that fails at write time (e.g. a user created meanwhile by someone else) is rolled back
 * as a whole and the import stops there; the batches before it stay committed. A re-run of the
 * same file creates nothing new.
 */
import type { Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { PasswordService } from '../core/procedure';
import { translateDbError } from '../db/pgErrors';
import { existingGroupNames, findUsersByUsernames } from '../db/repositories/bulkUsers';
import { formatRowError, type ImportRow, type InputFormat } from './importRow';
import { planBatch } from './planBatch';
import type { Progress } from './progress';
import { readRows } from './readRows';
import { RowCollector } from './validateRow';
import { UserVanishedError, writeBatch } from './writeBatch';

export interface ImportOptions {
  format: InputFormat;
  /** Change existing users' fields given in the file (else existing users are left alone). */
  update: boolean;
  /** Validate and compare with the database; write nothing. */
  dryRun: boolean;
  /** Rows per transaction. */
  batchSize: number;
  /** Name of the input for the audit log (`-` for stdin). */
  source: string;
}

export interface ImportDeps {
  knex: Knex;
  passwords: PasswordService;
  progress: Progress;
  /** One line of the error report (stderr). */
  report(line: string): void;
}

/** A batch the database refused. */
export interface BatchFailure {
  batch: number;
  batches: number;
  firstLine: number;
  lastLine: number;
  rows: number;
  reason: string;
}

export interface ImportResult {
  /** Rows read (valid and invalid). */
  rows: number;
  invalid: number;
  /** Reading stopped at a syntax error before the end of the file. */
  truncated: boolean;
  created: number;
  updated: number;
  unchanged: number;
  /** Invalid rows plus the rows of a failed batch. */
  failed: number;
  groupsCreated: number;
  /** Rows of committed batches (or, in a dry run, of planned batches). */
  committedRows: number;
  /** Valid rows after a failed batch, never tried. */
  notAttempted: number;
  failure?: BatchFailure;
}

/**
 * Why a batch failed, for the operator: the database's own message. knex prefixes it with the
 * statement and its values (password hashes among them), which are cut off.
 */
export function describeWriteFailure(error: unknown): string {
  if (error instanceof UserVanishedError) return error.message;
  const text = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return `the write failed: ${text.split('\n')[0]}`;
  const cut = text.lastIndexOf(' - ');
  const message = (cut >= 0 ? text.slice(cut + 3) : text).split('\n')[0];
  const translated = translateDbError(error);
  if (translated?.code === 'ALREADY_EXISTS' && translated.details.resource === 'user') {
    return `a username of this batch was created meanwhile by another writer (${message})`;
  }
  return `the database refused the write: ${message} (SQLSTATE ${code})`;
}

function batchesOf(rows: readonly ImportRow[], size: number): ImportRow[][] {
  const batches: ImportRow[][] = [];
  for (let i = 0; i < rows.length; i += size) batches.push(rows.slice(i, i + size));
  return batches;
}

export async function importUsers(input: Readable, options: ImportOptions, deps: ImportDeps): Promise<ImportResult> {
  const collector = new RowCollector((error) => deps.report(formatRowError(error)));
  for await (const record of readRows(input, options.format)) {
    collector.add(record);
    if (collector.truncated) break;
  }
  const { rows } = collector;
  const result: ImportResult = {
    rows: rows.length + collector.invalidRows,
    invalid: collector.invalidRows,
    truncated: collector.truncated,
    created: 0,
    updated: 0,
    unchanged: 0,
    failed: collector.invalidRows,
    groupsCreated: 0,
    committedRows: 0,
    notAttempted: 0,
  };
  if (collector.invalidRows > 0 || rows.length === 0) return result;

  const batches = batchesOf(rows, options.batchSize);
  const newGroups = new Set<string>(); // dry run: groups that would be created, counted once
  deps.progress.start(rows.length);
  try {
    for (const [index, batch] of batches.entries()) {
      const existing = await findUsersByUsernames(
        deps.knex,
        batch.map((row) => row.username),
      );
      const plan = await planBatch(batch, existing, { update: options.update, hash: !options.dryRun, passwords: deps.passwords });
      if (options.dryRun) {
        const known = await existingGroupNames(deps.knex, plan.groups);
        for (const name of plan.groups) if (!known.has(name)) newGroups.add(name);
      } else {
        const firstLine = batch[0].line;
        const lastLine = batch[batch.length - 1].line;
        try {
          const { groupsCreated } = await deps.knex.transaction((trx) => writeBatch(trx, plan, { source: options.source, firstLine, lastLine }));
          result.groupsCreated += groupsCreated;
        } catch (error) {
          result.failed += batch.length;
          result.notAttempted = rows.length - result.committedRows - batch.length;
          result.failure = { batch: index + 1, batches: batches.length, firstLine, lastLine, rows: batch.length, reason: describeWriteFailure(error) };
          return result;
        }
      }
      result.created += plan.creates.length;
      result.updated += plan.updates.length;
      result.unchanged += plan.unchanged;
      result.committedRows += batch.length;
      deps.progress.advance(batch.length);
    }
  } finally {
    deps.progress.stop();
  }
  if (options.dryRun) result.groupsCreated = newGroups.size;
  return result;
}
