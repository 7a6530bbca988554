/** Params and result of getAuditLog. */
import { cursor, limit, pageOf } from './common';

const optionalText = (maxLength: number, description: string) => ({ type: ['string', 'null'], maxLength, default: null, description }) as const;
const optionalTime = (description: string) => ({ type: ['integer', 'null'], minimum: 0, default: null, description }) as const;

export const getAuditLogParams = {
  $id: 'getAuditLog.params',
  type: 'object',
  properties: {
    actor: optionalText(191, 'Only events of this actor (a username, `jsonrpc` for the application token, `cli` for the command line)'),
    target: optionalText(191, 'Only events whose target user has this username'),
    action: optionalText(128, 'Only events of this action (a procedure name such as `createUser`, or e.g. `nmcuser_oidc.token`, `cli.import`)'),
    surface: { enum: ['jsonrpc', 'rpc', 'ocs', 'nmcuser_oidc', 'cli', null], default: null, description: 'Only events made through this surface' },
    since: optionalTime('Only events at or after this time (Unix seconds)'),
    until: optionalTime('Only events at or before this time (Unix seconds)'),
    newest_first: { type: 'boolean', default: true, description: 'Order by time, newest first (default) or oldest first' },
    limit,
    cursor,
  },
  additionalProperties: false,
} as const;

export const auditEvent = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    created_at: { type: 'integer', description: 'Unix seconds' },
    action: { type: 'string' },
    surface: { type: 'string', description: '`jsonrpc`, `rpc`, `ocs`, `nmcuser_oidc`, `cli`' },
    procedure: { type: 'string', description: 'The procedure that made the change ("" for CLI token commands and imports)' },
    route: { type: 'string', description: 'HTTP route or CLI command' },
    actor_username: { type: 'string' },
    target_username: { type: ['string', 'null'] },
    target: { type: 'string', description: 'Identifying params, e.g. `project_id=3 user_id=7`' },
    details: { type: 'object', description: 'The credential kind (`credential`), the changed fields with their values (`changes`), the names of secret fields set (`secret_fields`, e.g. `["password"]`, never their values) and action-specific ids' },
    request_id: { type: 'string' },
    client_address: { type: 'string' },
  },
  required: ['id', 'created_at', 'action', 'surface', 'procedure', 'route', 'actor_username', 'target_username', 'target', 'details', 'request_id', 'client_address'],
} as const;

export const auditPage = pageOf(auditEvent);
