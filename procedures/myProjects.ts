/** The caller's projects (JSON-RPC contract §7.6; user mode only, the dispatcher refuses the app token). */
import { AppError } from '../src/core/errors';
import { defineProcedure, type Context } from '../src/core/procedure';
import * as projects from '../src/db/repositories/projects';
import { createMyPrivateProjectParams, noProjectParams, projectObject } from '../schemas/projects';
import { baseUrlOf, createProjectRecord } from './projectCommon';

function callerIdOf(ctx: Context): number {
  if (ctx.principal.kind !== 'user') throw new AppError('FORBIDDEN', { reason: 'user_credentials_required' });
  return ctx.principal.user.id;
}

export const getMyProjectsList = defineProcedure({
  name: 'getMyProjectsList',
  description: "Map project id → name of every project the caller holds a grant on (any role, directly or through a group), active or not.",
  params: [],
  schema: noProjectParams('getMyProjectsList'),
  result: { type: 'object', additionalProperties: { type: 'string' } },
  writes: false,
  failure: {},
  handler: (_p, ctx) => projects.projectNamesOfUser(ctx.db, callerIdOf(ctx)),
});

export const getMyProjects = defineProcedure({
  name: 'getMyProjects',
  description: 'The active projects the caller holds a grant on, by name (byte order), then id.',
  params: [],
  schema: noProjectParams('getMyProjects'),
  result: { type: 'array', items: projectObject },
  writes: false,
  failure: [],
  handler: (_p, ctx) => projects.activeProjectsOfUser(ctx.db, callerIdOf(ctx), baseUrlOf(ctx)),
});

export const createMyPrivateProject = defineProcedure({
  name: 'createMyPrivateProject',
  description: 'Create a private project owned by the caller, who is granted project-manager. Refused when DISABLE_PRIVATE_PROJECTS is set.',
  params: ['name', 'description'],
  schema: createMyPrivateProjectParams,
  result: { type: 'integer' },
  writes: true,
  failure: false,
  async handler(p, ctx) {
    const ownerId = callerIdOf(ctx);
    if (ctx.services.settings.disablePrivateProjects) throw new AppError('PRECONDITION_FAILED', { reason: 'private_projects_disabled' });
    return createProjectRecord(ctx, {
      name: p.name,
      description: p.description ?? null,
      ownerId,
      identifier: '',
      startDate: '',
      endDate: '',
      priorityDefault: 0,
      priorityStart: 0,
      priorityEnd: 3,
      email: null,
      isPrivate: true,
    });
  },
});

export const myProjectProcedures = [getMyProjectsList, getMyProjects, createMyPrivateProject];
