/**
 * Recording project events from procedures: only user-mode callers are recorded (an event needs an
 * author; Kanboard records nothing for application-token calls), inside the call's transaction.
 */
import type { Context } from '../src/core/procedure';
import { insertProjectEvent, type ProjectEventName } from '../src/db/repositories/activities';

export async function recordProjectEvent(ctx: Context, projectId: number, eventName: ProjectEventName, data: Record<string, unknown>): Promise<void> {
  if (ctx.principal.kind !== 'user') return;
  const author = await ctx.db('users').where({ id: ctx.principal.user.id }).first('username', 'name');
  await insertProjectEvent(ctx.db, {
    projectId,
    eventName,
    creatorId: ctx.principal.user.id,
    authorUsername: (author?.username as string | undefined) ?? ctx.principal.user.username,
    authorName: (author?.name as string | null | undefined) ?? null,
    data,
    now: ctx.services.now(),
  });
}
