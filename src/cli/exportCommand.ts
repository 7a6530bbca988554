/**
 * `roster export [file]`: every user as JSON Lines (src/export/exportUsers.ts), to standard output
 * or to a file. A file is written beside its final name and renamed when complete, so it never
 * holds half an export. Exit status: 0 written, 1 a write error, 2 usage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { Command } from 'commander';
import type { Knex } from 'knex';
import { exportUsers } from '../export/exportUsers';
import { done, runCommand, type CommandOutcome } from './runtime';

/** Writes the export to `file` atomically; returns what to print. */
export async function exportToFile(knex: Knex, file: string): Promise<CommandOutcome> {
  const target = path.resolve(file);
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  // 0600: the file holds password hashes.
  const out = fs.createWriteStream(temporary, { flags: 'wx', mode: 0o600 });
  try {
    const count = await exportUsers(knex, out);
    out.end();
    await finished(out);
    fs.renameSync(temporary, target);
    return { exitCode: 0, stdout: '', stderr: `exported ${count} user${count === 1 ? '' : 's'} to ${file}\n` };
  } catch (error) {
    out.destroy();
    fs.rmSync(temporary, { force: true });
    return { exitCode: 1, stdout: '', stderr: `cannot write ${file}: ${(error as Error).message}\n` };
  }
}

/** Writes the export to standard output; a reader that goes away (EPIPE) ends it with exit status 1. */
export async function exportToStdout(knex: Knex): Promise<CommandOutcome> {
  let failure: Error | undefined;
  const onError = (error: Error) => (failure ??= error);
  process.stdout.on('error', onError);
  try {
    await exportUsers(knex, process.stdout);
    // wait until what was written has been handed to the pipe or file
    await new Promise<void>((resolve, reject) => process.stdout.write('', (error) => (error ? reject(error) : resolve())));
    return done(0);
  } catch (error) {
    const reason = failure ?? (error as Error);
    if ((reason as NodeJS.ErrnoException).code === 'EPIPE') return { exitCode: 1, stdout: '', stderr: 'export stopped: the reader closed the pipe\n' };
    throw reason;
  } finally {
    process.stdout.off('error', onError);
  }
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('write every user as JSON Lines, one user per line, ordered by id, in the form import reads back unchanged')
    .argument('[file]', 'where to write; - or absent: standard output')
    .option('--output <file>', 'where to write (the same as the file argument)')
    .addHelpText(
      'after',
      `
Each line: {"username","name","email","role","password_hash","groups","quota","enabled"}.
Passwords appear only as the stored bcrypt hash (null when the user has none); a file is created
with mode 0600. Not exported: profile fields (language, phone, …), LDAP/OIDC links, subadmin
rights, app passwords, projects.

Examples:
  roster export users.jsonl
  roster export | gzip > users.jsonl.gz`,
    )
    .exitOverride()
    .action((file: string | undefined, options: { output?: string }, command: Command) => {
      if (file !== undefined && options.output !== undefined && file !== options.output) {
        command.error('error: give the output file either as the argument or with --output, not both', { exitCode: 2 });
      }
      const output = options.output ?? file ?? '-';
      return runCommand((session) => (output === '-' ? exportToStdout(session.knex) : exportToFile(session.knex, output)));
    });
}
