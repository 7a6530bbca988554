/** The audit log: one row per recorded action, written in the transaction of the change it records. */
import type { Knex } from 'knex';
import { toNumber } from './rows';

export interface AuditEvent {
  createdAt: number;
  action: string;
  actorUsername: string;
  targetUsername: string | null;
  /** Never secrets: ids, names and changed field names only. */
  details: Record<string, unknown>;
  requestId: string;
  clientAddress: string;
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
    })
    .returning('id');
  return toNumber(row.id);
}
