/**
 * Project changes (JSON-RPC contract §7.4): updateProject, removeProject, enable/disable and public
 * access. Every change sets last_modified and records `project.update` when a value changed.
 */
import { randomBytes } from 'node:crypto';
import { defineProcedure } from '../src/core/procedure';
import * as projects from '../src/db/repositories/projects';
import { projectIdParams, updateProjectParams } from '../schemas/projects';
import { assertOwnerExists, assertUniqueProjectFields, changeProject, normaliseIdentifier, projectNotFound } from './projectCommon';

const done = { type: 'boolean', const: true } as const;

/** A public-board token: 60 lowercase hex characters from the CSPRNG. */
const newPublicToken = () => randomBytes(30).toString('hex');

export const updateProject = defineProcedure({
  name: 'updateProject',
  description:
    'Change a project; null or absent fields stay unchanged ("" clears identifier and email; owner_id 0 clears the owner). Memberships never change.',
  params: [
    'project_id', 'name', 'description', 'owner_id', 'identifier', 'start_date', 'end_date', 'priority_default', 'priority_start', 'priority_end', 'email',
  ],
  schema: updateProjectParams,
  result: done,
  writes: true,
  nullMeansAbsent: true,
  failure: false,
  async handler(p, ctx) {
    if (!(await projects.projectExists(ctx.db, p.project_id))) throw projectNotFound(p.project_id);
    const changes: projects.ProjectChanges = {};
    if (typeof p.name === 'string') changes.name = p.name;
    if (typeof p.description === 'string') changes.description = p.description;
    if (typeof p.owner_id === 'number') changes.owner_id = p.owner_id;
    if (typeof p.identifier === 'string') changes.identifier = normaliseIdentifier(p.identifier);
    if (typeof p.start_date === 'string') changes.start_date = p.start_date;
    if (typeof p.end_date === 'string') changes.end_date = p.end_date;
    if (typeof p.priority_default === 'number') changes.priority_default = p.priority_default;
    if (typeof p.priority_start === 'number') changes.priority_start = p.priority_start;
    if (typeof p.priority_end === 'number') changes.priority_end = p.priority_end;
    if (typeof p.email === 'string') changes.email = p.email;
    await assertUniqueProjectFields(ctx, { identifier: changes.identifier, email: changes.email }, p.project_id);
    if (changes.owner_id !== undefined) await assertOwnerExists(ctx, changes.owner_id);
    return changeProject(ctx, p.project_id, changes);
  },
});

export const removeProject = defineProcedure({
  name: 'removeProject',
  description: 'Delete a project with its grants and activity.',
  params: ['project_id'],
  schema: projectIdParams('removeProject'),
  result: done,
  writes: true,
  failure: false,
  async handler(p, ctx) {
    if (!(await projects.deleteProject(ctx.db, p.project_id))) throw projectNotFound(p.project_id);
    return true as const;
  },
});

export const enableProject = defineProcedure({
  name: 'enableProject',
  description: 'Activate a project (idempotent).',
  params: ['project_id'],
  schema: projectIdParams('enableProject'),
  result: done,
  writes: true,
  failure: false,
  handler: (p, ctx) => changeProject(ctx, p.project_id, { is_active: true }),
});

export const disableProject = defineProcedure({
  name: 'disableProject',
  description: 'Deactivate a project (idempotent).',
  params: ['project_id'],
  schema: projectIdParams('disableProject'),
  result: done,
  writes: true,
  failure: false,
  handler: (p, ctx) => changeProject(ctx, p.project_id, { is_active: false }),
});

export const enableProjectPublicAccess = defineProcedure({
  name: 'enableProjectPublicAccess',
  description: 'Make the project board public; issues a new sharing token (60 hex characters) on every call.',
  params: ['project_id'],
  schema: projectIdParams('enableProjectPublicAccess'),
  result: done,
  writes: true,
  failure: false,
  handler: (p, ctx) => changeProject(ctx, p.project_id, { is_public: true, token: newPublicToken() }),
});

export const disableProjectPublicAccess = defineProcedure({
  name: 'disableProjectPublicAccess',
  description: 'Make the project board private again and clear its sharing token.',
  params: ['project_id'],
  schema: projectIdParams('disableProjectPublicAccess'),
  result: done,
  writes: true,
  failure: false,
  handler: (p, ctx) => changeProject(ctx, p.project_id, { is_public: false, token: '' }),
});

export const projectUpdateProcedures = [
  updateProject, removeProject, enableProject, disableProject, enableProjectPublicAccess, disableProjectPublicAccess,
];
