/** getAuditLog: the audit log of every mutation, newest first, with filters and keyset pagination. */
import { defineProcedure } from '../src/core/procedure';
import { searchAuditEvents } from '../src/db/repositories/audit';
import { auditPage, getAuditLogParams } from '../schemas/audit';
import { assertPageSize, decodeCursor, pageFrom } from './cursor';

export const getAuditLog = defineProcedure({
  name: 'getAuditLog',
  description:
    'The audit log: one event per successful change (actor, surface, route, procedure, target, changed fields without secrets, request id, time), filtered and paged by a cursor. App admins and the application token only.',
  params: ['actor', 'target', 'action', 'surface', 'since', 'until', 'newest_first', 'limit', 'cursor'],
  schema: getAuditLogParams,
  result: auditPage,
  writes: false,
  failure: false,
  async handler(p, ctx) {
    assertPageSize(p.limit);
    const filters = {
      actor: p.actor ?? null,
      target: p.target ?? null,
      action: p.action ?? null,
      surface: p.surface ?? null,
      since: p.since ?? null,
      until: p.until ?? null,
      newest_first: p.newest_first,
    };
    const afterId = decodeCursor(p.cursor, filters);
    const rows = await searchAuditEvents(ctx.db, {
      actorUsername: filters.actor,
      targetUsername: filters.target,
      action: filters.action,
      surface: filters.surface,
      since: filters.since,
      until: filters.until,
      newestFirst: filters.newest_first,
      afterId,
      limit: p.limit,
    });
    return pageFrom(rows, p.limit, filters);
  },
});

export const auditProcedures = [getAuditLog];
