/** Helpers shared by the project procedures: errors, the creation rules of §7.4 and update events. */
import { AppError, notFound } from '../src/core/errors';
import type { Context } from '../src/core/procedure';
import * as projects from '../src/db/repositories/projects';
import { findUserById } from '../src/db/repositories/users';
import { recordProjectEvent } from './activity';

export const projectNotFound = (id?: number) => notFound('project', id);
export const userNotFound = (id: number) => notFound('user', id);

/** APPLICATION_URL, the base of every project `url` member. */
export const baseUrlOf = (ctx: Context) => ctx.services.settings.applicationUrl;

/** R-identifier: stored upper-cased (ASCII only; the schema allows nothing else). */
export const normaliseIdentifier = (identifier: string) => identifier.toUpperCase();

/** Refuses a non-empty identifier or email another project (other than `exceptId`) already uses. */
export async function assertUniqueProjectFields(ctx: Context, fields: { identifier?: string; email?: string | null }, exceptId?: number): Promise<void> {
  if (fields.identifier !== undefined && (await projects.identifierTaken(ctx.db, fields.identifier, exceptId))) {
    throw new AppError('ALREADY_EXISTS', { resource: 'project', field: 'identifier' });
  }
  if (typeof fields.email === 'string' && (await projects.projectEmailTaken(ctx.db, fields.email, exceptId))) {
    throw new AppError('ALREADY_EXISTS', { resource: 'project', field: 'email' });
  }
}

/** A non-zero owner must be an existing user. */
export async function assertOwnerExists(ctx: Context, ownerId: number): Promise<void> {
  if (ownerId !== 0 && !(await findUserById(ctx.db, ownerId))) throw userNotFound(ownerId);
}

/** A new project's fields as the procedures give them (the repository adds the time). */
export type ProjectFields = Omit<projects.NewProject, 'now'>;

/**
 * Inserts a project. In user mode the owner (the caller when `ownerId` is 0) is granted
 * project-manager and `project.create` is recorded; in app mode owner_id is only stored.
 */
export async function createProjectRecord(ctx: Context, fields: ProjectFields): Promise<number> {
  await assertUniqueProjectFields(ctx, { identifier: fields.identifier, email: fields.email });
  await assertOwnerExists(ctx, fields.ownerId);
  const caller = ctx.principal.kind === 'user' ? ctx.principal.user.id : null;
  const ownerId = fields.ownerId === 0 && caller !== null ? caller : fields.ownerId;
  const id = await projects.insertProject(ctx.db, { ...fields, ownerId, now: ctx.services.now() });
  if (caller !== null) {
    await projects.grantProjectUser(ctx.db, id, ownerId, 'project-manager');
    await recordProjectEvent(ctx, id, 'project.create', {});
  }
  return id;
}

/**
 * Applies changes to a project; when a value changed, `last_modified` is now and `project.update`
 * is recorded with the new values (never the token). Unknown project → NOT_FOUND.
 */
export async function changeProject(ctx: Context, projectId: number, changes: projects.ProjectChanges): Promise<true> {
  const result = await projects.applyProjectChanges(ctx.db, projectId, changes, ctx.services.now());
  if (!result.found) throw projectNotFound(projectId);
  const { token: _token, ...visible } = result.changed;
  if (Object.keys(result.changed).length > 0) await recordProjectEvent(ctx, projectId, 'project.update', { changes: visible });
  return true;
}
