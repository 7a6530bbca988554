/** Project procedures (JSON-RPC contract §7.4): creation, lookups, listing and searchProjects (§8.1). */
import { AppError } from '../src/core/errors';
import { defineProcedure, type Context } from '../src/core/procedure';
import * as projects from '../src/db/repositories/projects';
import { firstVisibleProject, projectIdsMatching, type ProjectLookupColumn } from '../src/db/repositories/projectAccess';
import {
  createProjectParams,
  getProjectByEmailParams,
  getProjectByIdentifierParams,
  getProjectByNameParams,
  noProjectParams,
  projectIdParams,
  projectObject,
  projectPage,
  searchProjectsParams,
} from '../schemas/projects';
import { assertPageSize, decodeCursor, pageFrom } from './cursor';
import { baseUrlOf, createProjectRecord, normaliseIdentifier, projectNotFound } from './projectCommon';

export const createProject = defineProcedure({
  name: 'createProject',
  description:
    'Create a project. owner_id 0 means the caller in user mode (no owner with the application token). In user mode the owner is granted project-manager. Returns the new project id.',
  params: ['name', 'description', 'owner_id', 'identifier', 'start_date', 'end_date', 'priority_default', 'priority_start', 'priority_end', 'email'],
  schema: createProjectParams,
  result: { type: 'integer' },
  writes: true,
  failure: false,
  handler: (p, ctx) =>
    createProjectRecord(ctx, {
      name: p.name,
      description: p.description ?? null,
      ownerId: p.owner_id,
      identifier: normaliseIdentifier(p.identifier ?? ''),
      startDate: p.start_date ?? '',
      endDate: p.end_date ?? '',
      priorityDefault: p.priority_default ?? 0,
      priorityStart: p.priority_start ?? 0,
      priorityEnd: p.priority_end ?? 3,
      email: p.email ?? null,
      isPrivate: false,
    }),
});

export const getProjectById = defineProcedure({
  name: 'getProjectById',
  description: 'Get a project by id.',
  params: ['project_id'],
  schema: projectIdParams('getProjectById'),
  result: projectObject,
  writes: false,
  failure: null,
  async handler(p, ctx) {
    const project = await projects.findProjectById(ctx.db, p.project_id, baseUrlOf(ctx));
    if (!project) throw projectNotFound(p.project_id);
    return project;
  },
});

/**
 * The project a lookup finds: the lowest matching id (app mode), or the lowest matching id the
 * caller may see (user mode; none → the same denial as for an unknown project, §5.3).
 */
async function lookupProject(ctx: Context, by: ProjectLookupColumn, value: string): Promise<projects.ProjectObject> {
  let id: number | null;
  if (ctx.principal.kind === 'user') {
    id = await firstVisibleProject(ctx.db, by, value, ctx.principal.user.id, 'project-viewer');
    if (id === null) throw new AppError('FORBIDDEN', { required: 'project-viewer' });
  } else {
    id = (await projectIdsMatching(ctx.db, by, value))[0] ?? null;
  }
  const project = id === null ? null : await projects.findProjectById(ctx.db, id, baseUrlOf(ctx));
  if (!project) throw projectNotFound();
  return project;
}

export const getProjectByName = defineProcedure({
  name: 'getProjectByName',
  description: 'Get a project by exact, case-sensitive name; with several matches the lowest id (in user mode: the lowest id the caller may see).',
  params: ['name'],
  schema: getProjectByNameParams,
  result: projectObject,
  writes: false,
  failure: false,
  handler: (p, ctx) => lookupProject(ctx, 'name', p.name),
});

export const getProjectByIdentifier = defineProcedure({
  name: 'getProjectByIdentifier',
  description: 'Get a project by identifier (the input is upper-cased before matching; "" matches nothing).',
  params: ['identifier'],
  schema: getProjectByIdentifierParams,
  result: projectObject,
  writes: false,
  failure: false,
  handler: (p, ctx) => lookupProject(ctx, 'identifier', p.identifier),
});

export const getProjectByEmail = defineProcedure({
  name: 'getProjectByEmail',
  description: 'Get a project by exact email address ("" matches nothing).',
  params: ['email'],
  schema: getProjectByEmailParams,
  result: projectObject,
  writes: false,
  failure: false,
  handler: (p, ctx) => lookupProject(ctx, 'email', p.email),
});

export const getAllProjects = defineProcedure({
  name: 'getAllProjects',
  description: 'All projects (private and inactive included), ordered by name (byte order), then id.',
  params: [],
  schema: noProjectParams('getAllProjects'),
  result: { type: 'array', items: projectObject },
  writes: false,
  failure: [],
  handler: (_p, ctx) => projects.listProjects(ctx.db, baseUrlOf(ctx)),
});

export const searchProjects = defineProcedure({
  name: 'searchProjects',
  description: 'Search projects by name, identifier or email (case-insensitive substring), with keyset pagination by id.',
  params: ['query', 'is_active', 'limit', 'cursor'],
  schema: searchProjectsParams,
  result: projectPage,
  writes: false,
  failure: false,
  async handler(p, ctx) {
    assertPageSize(p.limit);
    const filters = { query: p.query, is_active: p.is_active ?? null };
    const afterId = decodeCursor(p.cursor, filters);
    const rows = await projects.searchProjects(ctx.db, { query: p.query, isActive: filters.is_active, afterId, limit: p.limit }, baseUrlOf(ctx));
    return pageFrom(rows, p.limit, filters);
  },
});

export const projectProcedures = [
  createProject, getProjectById, getProjectByName, getProjectByIdentifier, getProjectByEmail, getAllProjects, searchProjects,
];
