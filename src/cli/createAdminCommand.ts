/**
 * `roster create-admin <username> [--password-stdin] [--promote]`: creates an app-admin user through
 * the createUser procedure (the API's validation and hashing), or makes an existing user app-admin
 * through updateUser. A generated password is printed once; only its hash is stored.
 */
import type { Command } from 'commander';
import type { Dispatcher } from '../core/dispatcher';
import { isAppError, type AppError } from '../core/errors';
import { randomBase62 } from '../auth/secrets';
import { callProcedure as call, runCommand, type CommandOutcome } from './runtime';

/** Length of a generated password: 24 characters of [A-Za-z0-9], about 143 bits (as the first start's). */
const GENERATED_PASSWORD_LENGTH = 24;

interface User {
  id: number;
  username: string;
  role: string;
}

export interface CreateAdminOptions {
  /** The password read from stdin; undefined = generate one. */
  password?: string;
  promote?: boolean;
}

const refused = (message: string): CommandOutcome => ({ exitCode: 1, stdout: '', stderr: `${message}\n` });
const exists = (username: string) => refused(`a user "${username}" already exists; add --promote to make it app-admin`);

/** The API's reasons for refusing the values, on one line ("password must NOT have fewer than 6 characters"). */
function invalid(error: AppError): string {
  return (error.details.errors ?? []).map((e) => `${e.instancePath.replace(/^\//, '') || 'params'} ${e.message}`).join('; ') || 'invalid value';
}

async function findUser(dispatcher: Dispatcher, username: string): Promise<User | null> {
  try {
    return (await call(dispatcher, 'getUserByName', { username })) as User;
  } catch (error) {
    if (isAppError(error) && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

async function promote(dispatcher: Dispatcher, username: string): Promise<CommandOutcome> {
  const user = await findUser(dispatcher, username);
  if (!user) return refused(`no user ${username}`);
  if (user.role === 'app-admin') return { exitCode: 0, stdout: `"${user.username}" (id ${user.id}) is already app-admin.\n`, stderr: '' };
  await call(dispatcher, 'updateUser', { id: user.id, role: 'app-admin' });
  return { exitCode: 0, stdout: `Promoted "${user.username}" (id ${user.id}) to app-admin.\n`, stderr: '' };
}

export async function createAdmin(dispatcher: Dispatcher, username: string, options: CreateAdminOptions): Promise<CommandOutcome> {
  if (options.promote) return promote(dispatcher, username);
  if (await findUser(dispatcher, username)) return exists(username);
  const generated = options.password === undefined ? randomBase62(GENERATED_PASSWORD_LENGTH) : undefined;
  let id: number;
  try {
    id = (await call(dispatcher, 'createUser', { username, password: options.password ?? generated, role: 'app-admin' })) as number;
  } catch (error) {
    if (!isAppError(error)) throw error;
    if (error.code === 'ALREADY_EXISTS') return exists(username.trim()); // the API trims usernames
    if (error.code === 'INVALID_PARAMS') return refused(invalid(error));
    throw error;
  }
  const created = (await call(dispatcher, 'getUser', { user_id: id })) as User;
  const lines = [`Created the app-admin user "${created.username}" (id ${id}).`];
  if (generated) lines.push(`  password: ${generated}`, '  This password is shown only this once; store it now.');
  return { exitCode: 0, stdout: `${lines.join('\n')}\n`, stderr: '' };
}

/** The first line of `stream` (without its line break), or everything up to its end. */
export function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.pause();
    };
    const onEnd = () => {
      cleanup();
      resolve(text.split('\n', 1)[0].replace(/\r$/, ''));
    };
    const onData = (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) onEnd();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    stream.setEncoding('utf8');
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}

export function registerCreateAdminCommand(program: Command): void {
  program
    .command('create-admin')
    .description('create an app-admin user (a generated password is printed once), or make an existing user app-admin with --promote')
    .argument('<username>', 'login name of the new admin (case-sensitive)')
    .option('--password-stdin', 'read the password from the first line of stdin instead of generating one (at least 6 characters)')
    .option('--promote', 'make the existing user <username> app-admin; its password stays as it is')
    .exitOverride()
    .action(async function (this: Command, username: string, options: { passwordStdin?: boolean; promote?: boolean }) {
      if (options.promote && options.passwordStdin) this.error('--password-stdin cannot be combined with --promote: promoting keeps the password', { exitCode: 2 });
      // read before opening the database, so a slow pipe never holds the embedded database's lock
      const password = options.passwordStdin ? await readFirstLine(process.stdin) : undefined;
      await runCommand((s) => createAdmin(s.dispatcher, username, { password, promote: options.promote }));
    });
}
