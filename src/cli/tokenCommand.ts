/**
 * `roster token create|list|revoke|rotate-api`: app passwords of a user (the shared app-password
 * store; minted like createMyAppPassword and the nmcuser_oidc token, only SHA-256 digests stored)
 * and the application token of the HTTP Basic user `jsonrpc`. Each secret is printed once, on
 * stdout alone, and every change is written to the audit log in the same transaction.
 */
import type { Command } from 'commander';
import type { Knex } from 'knex';
import { API_TOKEN_SETTING } from '../auth/authenticator';
import { loadConfig, type Config } from '../config';
import { randomBase62, secretService, sha256Hex } from '../auth/secrets';
import { inTransaction } from '../db/transaction';
import { insertAppPassword, listAppPasswords, revokeAppPassword } from '../db/repositories/appPasswords';
import { CLI_ACTOR } from '../core/audit';
import { outlastFreshness } from '../core/freshness';
import { insertAuditEvent } from '../db/repositories/audit';
import { putSetting } from '../db/repositories/settings';
import { findUserByUsername } from '../db/repositories/users';
import { runCommand, type CommandOutcome } from './runtime';

/** created_by of app passwords and actor of the audit events written by the command line. */
/** Length of a generated API token (as the first start's). */
const API_TOKEN_LENGTH = 48;
/** The app password label when --name is not given. */
const DEFAULT_NAME = 'cli';
/** app_passwords.name is varchar(64), as createMyAppPassword's `name` allows. */
const NAME_MAX_LENGTH = 64;

const now = () => Math.floor(Date.now() / 1000);
const requestId = () => `cli-${process.pid}`;
const refused = (message: string): CommandOutcome => ({ exitCode: 1, stdout: '', stderr: `${message}\n` });
const noUser = (username: string) => refused(`no user ${username}`);

function audit(trx: Knex, action: string, targetUsername: string | null, details: Record<string, unknown>, at: number) {
  const route = `token ${action.split('.').pop()}`;
  return insertAuditEvent(trx, { createdAt: at, action, actorUsername: CLI_ACTOR, targetUsername, details, requestId: requestId(), clientAddress: '', surface: 'cli', route });
}

/** createMyAppPassword's rule for the label, with its message; null when the name is fine. */
export function checkName(name: string): CommandOutcome | null {
  const length = [...name].length;
  if (length < 1) return refused('name must NOT have fewer than 1 characters');
  if (length > NAME_MAX_LENGTH) return refused(`name must NOT have more than ${NAME_MAX_LENGTH} characters`);
  return null;
}

export async function createToken(knex: Knex, username: string, name: string = DEFAULT_NAME): Promise<CommandOutcome> {
  const problem = checkName(name);
  if (problem) return problem;
  return inTransaction(knex, async (trx) => {
    const user = await findUserByUsername(trx, username);
    if (!user) return noUser(username);
    const { token, sha256 } = secretService.newAppPassword();
    const at = now();
    const id = await insertAppPassword(trx, { userId: user.id, name, tokenSha256: sha256, createdAt: at, createdBy: CLI_ACTOR });
    await audit(trx, 'cli.app_password.create', user.username, { app_password_id: id, name }, at);
    return { exitCode: 0, stdout: `${token}\n`, stderr: '' };
  });
}

export async function listTokens(knex: Knex, username: string, options: { json?: boolean }): Promise<CommandOutcome> {
  const user = await findUserByUsername(knex, username);
  if (!user) return noUser(username);
  const entries = await listAppPasswords(knex, user.id);
  const stdout = options.json
    ? `${JSON.stringify(entries.map((e) => ({ id: e.id, name: e.name, created_at: e.createdAt, created_by: e.createdBy })))}\n`
    : entries.map((e) => `${[e.id, e.name, new Date(e.createdAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'), e.createdBy ?? ''].join('\t')}\n`).join('');
  return { exitCode: 0, stdout, stderr: '' };
}

export async function revokeToken(knex: Knex, username: string, idArgument: string): Promise<CommandOutcome> {
  const absent = refused(`no app password ${idArgument} for ${username}`);
  const id = /^\d{1,10}$/.test(idArgument) ? Number(idArgument) : 0;
  return inTransaction(knex, async (trx) => {
    const user = await findUserByUsername(trx, username);
    if (!user) return noUser(username);
    if (id < 1 || id > 2147483647) return absent;
    const at = now();
    if (!(await revokeAppPassword(trx, user.id, id, at))) return absent;
    await audit(trx, 'cli.app_password.revoke', user.username, { app_password_id: id }, at);
    return { exitCode: 0, stdout: '', stderr: '' };
  });
}

/** Refusal when API_TOKEN (or its alias) is configured; null when the stored token is the one in use. */
export function checkApiTokenUnset(config: Pick<Config, 'apiToken'>, env: NodeJS.ProcessEnv = process.env): CommandOutcome | null {
  if (!config.apiToken) return null;
  const variable = env.API_TOKEN ? 'API_TOKEN' : 'API_AUTHENTICATION_TOKEN';
  return refused(
    `${variable} is set: the environment value takes precedence over the stored API token, so rotating would change nothing; change ${variable} where it is configured and restart Roster`,
  );
}

/** Prints a refusal found before the database is opened and exits. */
function refuseEarly(outcome: CommandOutcome | null): void {
  if (!outcome) return;
  process.stderr.write(outcome.stderr);
  process.exit(outcome.exitCode);
}

/**
 * A new application token, stored as its digest (the previous one stops working at once, on every
 * instance: the command returns only once no instance can still remember the old digest). Refused
 * when API_TOKEN is configured: the authenticator then uses that value and ignores the stored
 * digest, so rotating would change nothing.
 */
export async function rotateApiToken(knex: Knex, config: Pick<Config, 'apiToken'>, env: NodeJS.ProcessEnv = process.env): Promise<CommandOutcome> {
  const problem = checkApiTokenUnset(config, env);
  if (problem) return problem;
  const token = randomBase62(API_TOKEN_LENGTH);
  await inTransaction(knex, async (trx) => {
    const at = now();
    await putSetting(trx, API_TOKEN_SETTING, sha256Hex(token), at);
    await audit(trx, 'cli.api_token.rotate', null, {}, at);
  });
  // running instances remember the stored digest briefly: once this has passed, every one of them
  // refuses the old token and takes the new one
  await outlastFreshness(performance.now());
  return { exitCode: 0, stdout: `${token}\n`, stderr: '' };
}

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('app passwords of users, and the API token of the HTTP Basic user "jsonrpc"').exitOverride();
  token
    .command('create')
    .description('mint an app password for a user; prints the token (shown only this once)')
    .argument('<username>', 'the user the app password authenticates as (case-sensitive)')
    .option('--name <label>', `a label for the app password, 1–${NAME_MAX_LENGTH} characters`, DEFAULT_NAME)
    .exitOverride()
    .action((username: string, options: { name: string }) => {
      refuseEarly(checkName(options.name));
      return runCommand((s) => createToken(s.knex, username, options.name));
    });
  token
    .command('list')
    .description("a user's unrevoked app passwords, one line each: id, name, created (UTC), created by (tab-separated); never the secret")
    .argument('<username>', 'the user (case-sensitive)')
    .option('--json', 'print a JSON array of {id, name, created_at (Unix seconds), created_by} instead')
    .exitOverride()
    .action((username: string, options: { json?: boolean }) => runCommand((s) => listTokens(s.knex, username, options)));
  token
    .command('revoke')
    .description('revoke one app password of a user; it stops authenticating at once')
    .argument('<username>', 'the user (case-sensitive)')
    .argument('<id>', 'the app password id (see token list)')
    .exitOverride()
    .action((username: string, id: string) => runCommand((s) => revokeToken(s.knex, username, id)));
  token
    .command('rotate-api')
    .description('replace the API token (HTTP Basic user "jsonrpc"); prints the new token (shown only this once), the old one stops working')
    .exitOverride()
    .action(() => {
      refuseEarly(checkApiTokenUnset(loadConfig()));
      return runCommand((s) => rotateApiToken(s.knex, s.config));
    });
}
