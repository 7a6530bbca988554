/** Project activity (JSON-RPC contract §7.4, §9): the newest 50 events of one or several projects. */
import { AppError } from '../src/core/errors';
import { defineProcedure } from '../src/core/procedure';
import { listProjectEvents } from '../src/db/repositories/activities';
import * as projects from '../src/db/repositories/projects';
import { getProjectActivitiesParams, projectEvent, projectIdParams } from '../schemas/projects';
import { projectNotFound } from './projectCommon';

const eventList = { type: 'array', items: projectEvent } as const;

export const getProjectActivity = defineProcedure({
  name: 'getProjectActivity',
  description: 'Up to 50 events of the project, newest first.',
  params: ['project_id'],
  schema: projectIdParams('getProjectActivity'),
  result: eventList,
  writes: false,
  failure: [],
  async handler(p, ctx) {
    if (!(await projects.projectExists(ctx.db, p.project_id))) throw projectNotFound(p.project_id);
    return listProjectEvents(ctx.db, [p.project_id]);
  },
});

export const getProjectActivities = defineProcedure({
  name: 'getProjectActivities',
  description: 'Up to 50 events of all listed projects (at most 100 ids), newest first. compat ignores unknown ids.',
  params: ['project_ids'],
  schema: getProjectActivitiesParams,
  result: eventList,
  writes: false,
  failure: [],
  async handler(p, ctx) {
    // In user mode the dispatcher already refused unknown ids (§5.3). Kanboard ignores unknown ids:
    // its answer is the events of the known ones.
    const events = await listProjectEvents(ctx.db, p.project_ids);
    const [unknown] = await projects.unknownProjectIds(ctx.db, p.project_ids);
    if (unknown !== undefined) throw new AppError('NOT_FOUND', { resource: 'project', id: unknown, failureValue: events });
    return events;
  },
});

export const projectActivityProcedures = [getProjectActivity, getProjectActivities];
