/** Params (and result shapes) of the Project procedures, project activity, searchProjects and the Me project procedures. */
import { cursor, email, id, limit, pageOf } from './common';

/** `owner_id`: an id, or 0 (no owner; on create in user mode: the caller). */
const ownerId = {
  type: ['integer', 'string'],
  minimum: 0,
  maximum: 2147483647,
  pattern: '^[0-9]{1,10}$',
  description: 'Owner user id; 0 = none (createProject in user mode: the caller)',
} as const;

/** Kanboard's `integer` params (priorities): −2147483648..2147483647. */
const int32 = { type: 'integer', minimum: -2147483648, maximum: 2147483647 } as const;

/** R-project-name: 1–65535 characters, not only whitespace; duplicates allowed. */
const projectName = {
  type: 'string',
  maxLength: 65535,
  // also refuses "": one error (pattern) instead of two
  pattern: '\\S',
  description: 'Project name, 1–65535 characters, not only whitespace',
} as const;

/** R-identifier: "" or 1–50 ASCII letters/digits; stored upper-cased. */
const identifier = {
  type: 'string',
  maxLength: 50,
  pattern: '^[A-Za-z0-9]*$',
  description: '"" or 1–50 ASCII letters/digits, stored upper-cased, unique when non-empty',
} as const;

/** R-date: at most 10 characters, stored as given. */
const date = { type: 'string', maxLength: 10, description: 'At most 10 characters, stored as given (YYYY-MM-DD recommended)' } as const;

/** R-project-email: R-email, unique among projects when non-empty. */
const projectEmail = { ...email, description: 'Project email address; unique when non-empty' } as const;

const description = { type: ['string', 'null'], description: 'Project description (nullable)' } as const;

const nullableName = { ...projectName, type: ['string', 'null'] } as const;
const nullableOwnerId = { ...ownerId, type: ['integer', 'string', 'null'] } as const;
const nullableIdentifier = { ...identifier, type: ['string', 'null'] } as const;
const nullableDate = { ...date, type: ['string', 'null'] } as const;
const nullableInt32 = { ...int32, type: ['integer', 'null'] } as const;

export const projectUrls = {
  type: 'object',
  properties: {
    board: { type: 'string' },
    list: { type: 'string' },
    public_board: { type: 'string' },
    rss_feed: { type: 'string' },
    ical_feed: { type: 'string' },
  },
  required: ['board', 'list'],
} as const;

export const projectObject = {
  type: 'object',
  description: 'Project object (Kanboard shape)',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    is_active: { type: 'boolean' },
    token: { type: 'string' },
    last_modified: { type: 'integer' },
    is_public: { type: 'boolean' },
    is_private: { type: 'boolean' },
    description: { type: ['string', 'null'] },
    identifier: { type: 'string' },
    start_date: { type: 'string' },
    end_date: { type: 'string' },
    owner_id: { type: 'integer' },
    priority_default: { type: 'integer' },
    priority_start: { type: 'integer' },
    priority_end: { type: 'integer' },
    email: { type: ['string', 'null'] },
    predefined_email_subjects: { type: ['string', 'null'] },
    per_swimlane_task_limits: { type: 'boolean' },
    task_limit: { type: 'integer' },
    enable_global_tags: { type: 'boolean' },
    url: projectUrls,
  },
} as const;

export const projectPage = pageOf(projectObject);

export const projectEvent = {
  type: 'object',
  description: 'Project activity event',
  properties: {
    id: { type: 'integer' },
    date_creation: { type: 'integer' },
    event_name: { type: 'string' },
    creator_id: { type: ['integer', 'null'] },
    project_id: { type: 'integer' },
    task_id: { type: 'integer' },
    author_username: { type: 'string' },
    author_name: { type: ['string', 'null'] },
    author: { type: 'string' },
    event_title: { type: 'string' },
    data: { type: 'object' },
  },
} as const;

export const createProjectParams = {
  $id: 'createProject.params',
  type: 'object',
  properties: {
    name: projectName,
    description: { ...description, default: null },
    owner_id: { ...ownerId, default: 0 },
    // null means the column default for identifier, dates and priorities (§7.4)
    identifier: { ...nullableIdentifier, default: null },
    start_date: { ...nullableDate, default: null },
    end_date: { ...nullableDate, default: null },
    priority_default: { ...nullableInt32, default: null, description: 'Default task priority (null = 0)' },
    priority_start: { ...nullableInt32, default: null, description: 'Lowest task priority (null = 0)' },
    priority_end: { ...nullableInt32, default: null, description: 'Highest task priority (null = 3)' },
    email: { ...projectEmail, type: ['string', 'null'], default: null },
  },
  required: ['name'],
  additionalProperties: false,
} as const;

export const projectIdParams = (procedure: string) =>
  ({
    $id: `${procedure}.params`,
    type: 'object',
    properties: { project_id: id },
    required: ['project_id'],
    additionalProperties: false,
  }) as const;

export const getProjectByNameParams = {
  $id: 'getProjectByName.params',
  type: 'object',
  properties: { name: { type: 'string', description: 'Exact, case-sensitive project name' } },
  required: ['name'],
  additionalProperties: false,
} as const;

export const getProjectByIdentifierParams = {
  $id: 'getProjectByIdentifier.params',
  type: 'object',
  properties: { identifier: { type: 'string', description: 'Project identifier (ASCII upper-cased before matching)' } },
  required: ['identifier'],
  additionalProperties: false,
} as const;

export const getProjectByEmailParams = {
  $id: 'getProjectByEmail.params',
  type: 'object',
  properties: { email: { type: 'string', description: 'Exact project email address' } },
  required: ['email'],
  additionalProperties: false,
} as const;

export const noProjectParams = (procedure: string) =>
  ({
    $id: `${procedure}.params`,
    type: 'object',
    properties: {},
    additionalProperties: false,
  }) as const;

export const updateProjectParams = {
  $id: 'updateProject.params',
  type: 'object',
  properties: {
    project_id: id,
    name: nullableName,
    description: { type: ['string', 'null'], description: 'Project description' },
    owner_id: nullableOwnerId,
    identifier: nullableIdentifier,
    start_date: nullableDate,
    end_date: nullableDate,
    priority_default: nullableInt32,
    priority_start: nullableInt32,
    priority_end: nullableInt32,
    email: { ...projectEmail, type: ['string', 'null'] },
  },
  required: ['project_id'],
  additionalProperties: false,
} as const;

export const getProjectActivitiesParams = {
  $id: 'getProjectActivities.params',
  type: 'object',
  properties: {
    project_ids: { type: 'array', items: id, maxItems: 100, description: 'Project ids (at most 100)' },
  },
  required: ['project_ids'],
  additionalProperties: false,
} as const;

export const searchProjectsParams = {
  $id: 'searchProjects.params',
  type: 'object',
  properties: {
    query: { type: 'string', maxLength: 255, default: '', description: 'Case-insensitive substring of name, identifier or email' },
    is_active: { type: ['boolean', 'null'], default: null, description: 'Only active (true) or inactive (false) projects' },
    limit,
    cursor,
  },
  additionalProperties: false,
} as const;

export const createMyPrivateProjectParams = {
  $id: 'createMyPrivateProject.params',
  type: 'object',
  properties: {
    name: projectName,
    description: { ...description, default: null },
  },
  required: ['name'],
  additionalProperties: false,
} as const;
