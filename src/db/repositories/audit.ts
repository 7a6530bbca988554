/** The audit log: one row per recorded action, written in the transaction of the change it records. */
import type { Knex } from 'knex';
import { toNumber } from './rows';

export interface AuditEvent {
  createdAt: number;
  action: string;
  actorUsername: string;
  targetUsername: string | null;
  /** Never secrets: ids, names, changed fields with their values, secret fields by name only. */
  details: Record<string, unknown>;
  requestId: string;
  clientAddress: string;
  /** The adapter the change came through (`jsonrpc`, `rpc`, `ocs`, `nmcuser_oidc`, `cli`); "" when none. */
  surface?: string;
  /** The procedure that made the change; "" for changes made outside procedures (CLI tokens, imports). */
  procedure?: string;
  /** The HTTP route (`POST /jsonrpc.php`, `PUT /ocs/v2.php/cloud/users/{userid}`) or CLI command. */
  route?: string;
  /** What was changed, as `name=value` pairs of the identifying params (`user_id=3 group_id=5`). */
  target?: string;
}

export async function insertAuditEvent(db: Knex, event: AuditEvent): Promise<number> {
  const [row] = await db('audit_events')
    .insert({
      created_at: event.createdAt,
      action: event.action,
      actor_username: event.actorUsername,
      target_username: event.targetUsername,
      details: JSON.stringify(event.details),
      request_id: event.requestId,
      client_address: event.clientAddress,
      surface: event.surface ?? '',
      procedure: event.procedure ?? '',
      route: event.route ?? '',
      target: event.target ?? '',
    })
    .returning('id');
  return toNumber(row.id);
}

/** An audit event as getAuditLog answers it. */
export interface AuditEventRow {
  id: number;
  created_at: number;
  action: string;
  surface: string;
  procedure: string;
  route: string;
  actor_username: string;
  target_username: string | null;
  target: string;
  details: Record<string, unknown>;
  request_id: string;
  client_address: string;
}

export interface AuditSearch {
  actorUsername: string | null;
  targetUsername: string | null;
  action: string | null;
  surface: string | null;
  /** Inclusive bounds in Unix seconds. */
  since: number | null;
  until: number | null;
  newestFirst: boolean;
  /** Keyset position: ids after (oldest first) or before (newest first) this one; 0 for the start. */
  afterId: number;
  limit: number;
}

const COLUMNS = ['id', 'created_at', 'action', 'surface', 'procedure', 'route', 'actor_username', 'target_username', 'target', 'details', 'request_id', 'client_address'];

function toRow(row: Record<string, unknown>): AuditEventRow {
  const details = typeof row.details === 'string' ? (JSON.parse(row.details) as Record<string, unknown>) : (row.details as Record<string, unknown>);
  return {
    id: toNumber(row.id),
    created_at: toNumber(row.created_at),
    action: String(row.action),
    surface: String(row.surface),
    procedure: String(row.procedure),
    route: String(row.route),
    actor_username: String(row.actor_username),
    target_username: row.target_username === null ? null : String(row.target_username),
    target: String(row.target),
    details,
    request_id: String(row.request_id),
    client_address: String(row.client_address),
  };
}

/** One keyset page ordered by id; fetches `limit + 1` rows so the caller knows whether more match. */
export async function searchAuditEvents(db: Knex, search: AuditSearch): Promise<AuditEventRow[]> {
  const query = db('audit_events').select(COLUMNS).limit(search.limit + 1);
  if (search.newestFirst) {
    query.orderBy('id', 'desc');
    if (search.afterId > 0) query.where('id', '<', search.afterId);
  } else {
    query.orderBy('id', 'asc').where('id', '>', search.afterId);
  }
  if (search.actorUsername !== null) query.where('actor_username', search.actorUsername);
  if (search.targetUsername !== null) query.where('target_username', search.targetUsername);
  if (search.action !== null) query.where('action', search.action);
  if (search.surface !== null) query.where('surface', search.surface);
  if (search.since !== null) query.where('created_at', '>=', search.since);
  if (search.until !== null) query.where('created_at', '<=', search.until);
  return (await query).map(toRow);
}
