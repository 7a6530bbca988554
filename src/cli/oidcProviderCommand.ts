/**
 * `roster oidc-provider add|list|remove` (nmcuser-oidc §9.4): the provider procedures run as the
 * operator (app mode, surface `cli`), without HTTP. Returns what to print and the exit status.
 */
import type { Command } from 'commander';
import type { Dispatcher } from '../core/dispatcher';
import { isAppError, type AppError } from '../core/errors';
import { callProcedure as call, runCommand, type CommandOutcome } from './runtime';

interface Provider {
  id: number;
  identifier: string;
  client_id: string;
  discovery_url: string;
}

/** A one-line explanation of a refused call. */
function explain(error: AppError, identifier?: string): string {
  switch (error.code) {
    case 'INVALID_PARAMS':
      return (error.details.errors ?? []).map((e) => `${e.instancePath.replace(/^\//, '') || 'params'} ${e.message}`).join('; ') || 'invalid value';
    case 'ALREADY_EXISTS':
      return `an OIDC provider "${identifier}" already exists (identifiers are compared ignoring case)`;
    case 'NOT_FOUND':
      return 'no such OIDC provider';
    default:
      return error.code.toLowerCase();
  }
}

function fail(error: unknown, identifier?: string): CommandOutcome {
  if (!isAppError(error) || error.code === 'INTERNAL') throw error;
  return { exitCode: 1, stdout: '', stderr: `${explain(error, identifier)}\n` };
}

export async function addProvider(dispatcher: Dispatcher, identifier: string, options: { clientId?: string; discoveryUrl?: string }): Promise<CommandOutcome> {
  try {
    const id = await call(dispatcher, 'createOidcProvider', { identifier, client_id: options.clientId ?? '', discovery_url: options.discoveryUrl ?? '' });
    return { exitCode: 0, stdout: `${id}\n`, stderr: '' };
  } catch (error) {
    return fail(error, identifier);
  }
}

export async function listProviders(dispatcher: Dispatcher, options: { json?: boolean }): Promise<CommandOutcome> {
  const providers = (await call(dispatcher, 'getAllOidcProviders', {})) as Provider[];
  const stdout = options.json
    ? `${JSON.stringify(providers)}\n`
    : providers.map((p) => `${[p.id, p.identifier, p.client_id, p.discovery_url].join('\t')}\n`).join('');
  return { exitCode: 0, stdout, stderr: '' };
}

/** `remove <id or identifier>`: an all-digit argument is an id, anything else an identifier (ignoring case). */
export async function removeProvider(dispatcher: Dispatcher, idOrIdentifier: string): Promise<CommandOutcome> {
  let id: number | undefined;
  if (/^\d+$/.test(idOrIdentifier)) id = Number(idOrIdentifier);
  else {
    const providers = (await call(dispatcher, 'getAllOidcProviders', {})) as Provider[];
    id = providers.find((p) => p.identifier.toLowerCase() === idOrIdentifier.toLowerCase())?.id;
  }
  if (id === undefined || !Number.isSafeInteger(id) || id < 1 || id > 2147483647) {
    return { exitCode: 1, stdout: '', stderr: `no OIDC provider ${idOrIdentifier}\n` };
  }
  try {
    await call(dispatcher, 'removeOidcProvider', { provider_id: id });
    return { exitCode: 0, stdout: '', stderr: '' };
  } catch (error) {
    if (isAppError(error) && error.code === 'NOT_FOUND') return { exitCode: 1, stdout: '', stderr: `no OIDC provider ${idOrIdentifier}\n` };
    return fail(error);
  }
}

export function registerOidcProviderCommands(program: Command): void {
  const provider = program.command('oidc-provider').description('manage the OIDC providers of the nmcuser_oidc API').exitOverride();
  provider
    .command('add')
    .description('create a provider; prints its id')
    .argument('<identifier>', 'A-Z a-z 0-9 . _ -, not all digits; unique ignoring case')
    .option('--client-id <id>', 'OAuth client id (stored for reference)')
    .option('--discovery-url <url>', 'OpenID discovery URL (stored for reference, never fetched)')
    .exitOverride()
    .action((identifier: string, options: { clientId?: string; discoveryUrl?: string }) => runCommand((s) => addProvider(s.dispatcher, identifier, options)));
  provider
    .command('list')
    .description('one line per provider: id, identifier, client_id, discovery_url (tab-separated)')
    .option('--json', 'print a JSON array instead')
    .exitOverride()
    .action((options: { json?: boolean }) => runCommand((s) => listProviders(s.dispatcher, options)));
  provider
    .command('remove')
    .description('remove a provider; its users stay, unlinked from the nmcuser_oidc API')
    .argument('<id-or-identifier>', 'numeric id, or identifier ignoring case')
    .exitOverride()
    .action((idOrIdentifier: string) => runCommand((s) => removeProvider(s.dispatcher, idOrIdentifier)));
}
