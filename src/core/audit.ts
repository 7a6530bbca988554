/**
 * The audit record of one successful call of a writing procedure (issue 8): who (actor and the
 * credential kind), through which surface and route, which procedure, what it targeted, and the
 * fields it was given — secret fields (passwords) by name only, under `secret_fields`. The dispatcher writes it in
 * the call's own transaction, so a change and its record commit or roll back together.
 */
import type { AnyProcedure, AuditNote, Principal, Surface } from './procedure';

/** What the dispatcher hands to the audit writer (src/db/repositories/audit.ts stores it). */
export interface AuditRecord {
  createdAt: number;
  action: string;
  actorUsername: string;
  targetUsername: string | null;
  details: Record<string, unknown>;
  requestId: string;
  clientAddress: string;
  surface: Surface;
  procedure: string;
  route: string;
  target: string;
}

/** The actor name of calls made with the application token (Kanboard's name for it) and by the CLI. */
export const APP_ACTOR = 'jsonrpc';
export const CLI_ACTOR = 'cli';

/** Params that name what a call acts on, in the order the target lists them. */
const IDENTIFYING = ['provider', 'provider_id', 'project_id', 'group_id', 'groupid', 'user_id', 'userid', 'id', 'appid'] as const;
/** Params that carry the target's username (the target_username column). */
const USERNAME_PARAMS = ['userid', 'username'] as const;
/** A param (or OCS edit key) whose value is a secret: recorded by name only. */
const SECRET_NAME = /pass|token|secret|credential/i;
/** Longer strings are cut (descriptions can be long; the record names the change, it is no copy). */
const MAX_STRING = 256;
const MAX_ITEMS = 50;

function recordable(value: unknown): unknown {
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map(recordable);
  if (value !== null && typeof value === 'object') return '[object]';
  return value;
}

/**
 * The fields a call changes: `changes` with their values, `secretFields` by name only. OCS edits
 * name the field in `key` and carry it in `value`; otherwise every non-identifying param is a field.
 */
export function changedFields(params: Record<string, unknown>): { changes: Record<string, unknown>; secretFields: string[] } {
  const fields: [string, unknown][] =
    typeof params.key === 'string' && 'value' in params
      ? [[params.key, params.value]]
      : Object.entries(params).filter(([name, value]) => !(IDENTIFYING as readonly string[]).includes(name) && value !== undefined);
  const changes: Record<string, unknown> = {};
  const secretFields: string[] = [];
  for (const [name, value] of fields) {
    if (SECRET_NAME.test(name)) secretFields.push(name);
    else changes[name] = recordable(value);
  }
  return { changes, secretFields };
}

/** `name=value` pairs of the identifying params, plus the id a creating call returned. */
export function targetOf(params: Record<string, unknown>, result: unknown): string {
  const parts: string[] = [];
  for (const name of IDENTIFYING) {
    const value = params[name];
    if (typeof value === 'string' || typeof value === 'number') parts.push(`${name}=${String(recordable(value))}`);
  }
  if (typeof result === 'number' && Number.isSafeInteger(result) && result > 0 && parts.length === 0) parts.push(`created_id=${result}`);
  return parts.join(' ');
}

function usernameOf(params: Record<string, unknown>): string | null {
  for (const name of USERNAME_PARAMS) {
    const value = params[name];
    if (typeof value === 'string') return value;
  }
  return null;
}

export function actorOf(principal: Principal, surface: Surface): string {
  if (principal.kind === 'user') return principal.user.username;
  return surface === 'cli' ? CLI_ACTOR : APP_ACTOR;
}

export interface AuditInput {
  procedure: AnyProcedure;
  params: Record<string, unknown>;
  result: unknown;
  principal: Principal;
  surface: Surface;
  route: string;
  requestId: string;
  clientAddress: string;
  now: number;
  /** What the procedure added with ctx.audit, in call order. */
  notes: readonly AuditNote[];
}

export function buildAuditRecord(input: AuditInput): AuditRecord {
  const { principal, params } = input;
  const { changes, secretFields } = changedFields(params);
  const record: AuditRecord = {
    createdAt: input.now,
    action: input.procedure.name,
    actorUsername: actorOf(principal, input.surface),
    targetUsername: usernameOf(params),
    details: {
      credential: principal.kind === 'user' ? principal.via : input.surface === 'cli' ? 'cli' : 'app_token',
      changes,
      ...(secretFields.length > 0 ? { secret_fields: secretFields } : {}),
    },
    requestId: input.requestId,
    clientAddress: input.clientAddress,
    surface: input.surface,
    procedure: input.procedure.name,
    route: input.route,
    target: targetOf(params, input.result),
  };
  for (const note of input.notes) {
    if (note.action !== undefined) record.action = note.action;
    if (note.targetUsername !== undefined) record.targetUsername = note.targetUsername;
    if (note.target !== undefined) record.target = note.target;
    if (note.details) Object.assign(record.details, note.details);
  }
  return record;
}
