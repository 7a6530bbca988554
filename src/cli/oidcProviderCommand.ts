/**
 * `roster oidc-provider add|list|remove` (nmcuser-oidc §9.4): the provider procedures run as the
 * operator (app mode, surface `cli`), without HTTP. Returns what to print and the exit status.
 */
import type { Dispatcher } from '../core/dispatcher';
import { isAppError, type AppError } from '../core/errors';

export interface CommandOutcome {
  exitCode: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

interface Provider {
  id: number;
  identifier: string;
  client_id: string;
  discovery_url: string;
}

function call(dispatcher: Dispatcher, method: string, params: Record<string, unknown>): Promise<unknown> {
  const procedure = dispatcher.resolve(method, false, 'cli');
  if (!procedure) throw new Error(`Unknown procedure ${method}`);
  return dispatcher.call(procedure, params, { principal: { kind: 'app' }, mode: 'strict', requestId: `cli-${process.pid}`, surface: 'cli' });
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
