/**
 * `roster import --from-kanboard <postgres URL | SQLite file>`: copies users (with their bcrypt
 * hashes, so they keep their passwords), groups, memberships, projects and project permissions from
 * a Kanboard database into Roster.
 *
 * Order of work: open the source (source.ts), read and check every row (read.ts), then one Roster
 * transaction that checks against Roster's data and writes (write.ts). Any error → the transaction
 * is rolled back, nothing is written, exit 1. `dryRun` does the same work and rolls back at the end,
 * so its counts are exactly what a real run would do. Exit 2 when the argument names no database.
 */
import type { Knex } from 'knex';
import type { CommandOutcome, CommandSession } from '../../cli/runtime';
import { createProgress, type ProgressStream } from '../progress';
import { formatProblem, type KanboardData, type Problem } from './data';
import { readKanboard } from './read';
import { KanboardSourceError, openKanboardSource } from './source';
import { ENTITIES, rowCount, writeKanboard, type Entity, type Summary } from './write';

export interface KanboardImportOptions {
  /** Check and count everything, write nothing. */
  dryRun?: boolean;
  /** Overwrite existing users, groups, projects and grant roles with Kanboard's values. */
  update?: boolean;
}

/** Where progress goes: a bar on a terminal, an occasional plain line elsewhere (src/import/progress.ts). */
export type ProgressOutput = ProgressStream;

const LABELS: Record<Entity, string> = {
  users: 'users',
  groups: 'groups',
  memberships: 'group members',
  projects: 'projects',
  projectUsers: 'project users',
  projectGroups: 'project groups',
};

const COLUMNS = ['created', 'updated', 'unchanged', 'kept', 'skipped'] as const;

/** Rolls the Roster transaction back (errors found, or a dry run) while keeping the outcome. */
class Rollback extends Error {
  constructor(readonly result: { summary: Summary; problems: Problem[] }) {
    super('rollback');
  }
}

function table(summary: Summary): string {
  const width = Math.max(...ENTITIES.map((e) => LABELS[e].length));
  const header = `${''.padEnd(width)}  ${COLUMNS.map((c) => c.padStart(9)).join(' ')}`;
  const lines = ENTITIES.map((e) => `${LABELS[e].padEnd(width)}  ${COLUMNS.map((c) => String(summary[e][c]).padStart(9)).join(' ')}`);
  return `${[header, ...lines].join('\n')}\n`;
}

/** Users who cannot log in to Roster with a local password although they exist (contract §4.3). */
function passwordNotes(data: KanboardData): string {
  const ldap = data.users.filter((u) => u.is_ldap_user).length;
  const twoFactor = data.users.filter((u) => u.twofactor_activated && !u.is_ldap_user).length;
  let notes = '';
  if (ldap > 0) {
    notes += `note: ${ldap} LDAP user${ldap === 1 ? ' has' : 's have'} no local password: they sign in through Roster's LDAP settings (LDAP_URL …) or with a personal token or app password\n`;
  }
  if (twoFactor > 0) {
    notes += `note: ${twoFactor} user${twoFactor === 1 ? ' has' : 's have'} two-factor authentication on: Roster refuses their password; they sign in with a personal token or app password\n`;
  }
  return notes;
}

/**
 * Imports the Kanboard database at `location` (a postgres:// URL or a SQLite file) into the session's
 * Roster database and returns what to print and the exit status.
 */
export async function importFromKanboard(
  session: Pick<CommandSession, 'config' | 'knex'>,
  location: string,
  options: KanboardImportOptions = {},
  output?: ProgressOutput,
): Promise<CommandOutcome> {
  let stderr = '';
  let data: KanboardData;
  let problems: Problem[];
  let description: string;
  let kind: string;
  try {
    const source = await openKanboardSource(location);
    try {
      description = source.description;
      kind = source.kind === 'sqlite' ? 'SQLite' : 'Postgres';
      for (const warning of source.warnings) stderr += `warning: ${warning}\n`;
      ({ data, problems } = await readKanboard(source));
    } finally {
      await source.close();
    }
  } catch (error) {
    if (error instanceof KanboardSourceError) return { exitCode: error.usage ? 2 : 1, stdout: '', stderr: `${stderr}${error.message}\n` };
    throw error;
  }

  const sourceErrors = problems.some((p) => p.severity === 'error');
  // With errors from the source the Roster checks still run (and roll back), so every problem is listed at once.
  let result: { summary: Summary; problems: Problem[] };
  // no progress for a dry run or when the import will be refused anyway
  const progress = output && !sourceErrors && !options.dryRun ? createProgress(output, { label: 'importing' }) : null;
  progress?.start(rowCount(data));
  try {
    result = await session.knex.transaction(async (trx: Knex.Transaction) => {
      const written = await writeKanboard(trx, data, { update: options.update ?? false, adminUsername: session.config.adminUsername, onRow: () => progress?.advance(1) });
      if (sourceErrors || options.dryRun || written.problems.some((p) => p.severity === 'error')) throw new Rollback(written);
      return written;
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
    result = error.result;
  } finally {
    progress?.stop();
  }

  const all = [...problems, ...result.problems];
  const errors = all.filter((p) => p.severity === 'error');
  for (const problem of [...all.filter((p) => p.severity === 'warning'), ...errors]) stderr += `${formatProblem(problem)}\n`;
  if (errors.length > 0) {
    stderr += `Nothing was imported: ${errors.length} error${errors.length === 1 ? '' : 's'} in ${description} (listed above). Fix them in Kanboard or in Roster, then import again.\n`;
    return { exitCode: 1, stdout: '', stderr };
  }

  const { summary } = result;
  let stdout = `Kanboard database: ${description} (${kind})${options.dryRun ? ' — dry run' : ''}\n${table(summary)}`;
  const changed = ENTITIES.some((e) => summary[e].created + summary[e].updated > 0);
  const kept = ENTITIES.reduce((n, e) => n + summary[e].kept, 0);
  if (kept > 0) {
    stdout += `${kept} existing row${kept === 1 ? '' : 's'} differ${kept === 1 ? 's' : ''} from Kanboard and ${kept === 1 ? 'was' : 'were'} kept as ${kept === 1 ? 'it is' : 'they are'}; --update takes Kanboard's values.\n`;
  }
  stdout += passwordNotes(data);
  if (options.dryRun) stdout += 'Dry run: nothing was written.\n';
  else if (!changed) stdout += 'Nothing to change: Roster already holds this Kanboard data.\n';
  else stdout += 'Imported.\n';
  return { exitCode: 0, stdout, stderr };
}
