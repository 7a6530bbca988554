/**
 * The OCS part of the OpenAPI document (GET /openapi.json), generated from the route table the
 * router serves (OCS_ROUTES): every route under /ocs/v1.php/cloud and /ocs/v2.php/cloud, its
 * parameters by kind, its procedure's description and its error table with the HTTP status each
 * statuscode gets on that version (ocs-provisioning §3–§8).
 */
import type { Dispatcher } from '../../core/dispatcher';
import { BASIC_AUTH, type OpenApiOperation, type OpenApiPart, type OpenApiPathItem, type OpenApiSchema } from '../../core/openapi';
import { ocsHttpStatus, type OcsVersion } from './envelope';
import { INTERNAL_FAILURE, LEVEL_MESSAGES, MALFORMED_BODY_FAILURE } from './failures';
import type { ParamKind } from './params';
import type { OcsLevel, OcsRoute } from './route';
import { OCS_ROUTES } from './routes';

export interface OcsOpenApiOptions {
  /** Where the procedures' descriptions come from (the routes' summaries). */
  dispatcher: Pick<Dispatcher, 'resolve'>;
  /** OCS_REQUIRE_API_HEADER: whether `OCS-APIRequest` is required (412 without it). */
  requireApiHeader: boolean;
  /** Defaults to the table the router serves. */
  routes?: readonly OcsRoute[];
}

/** One documented failure of an operation (also the `x-ocs-errors` extension). */
export interface OcsDocumentedError {
  statuscode: number;
  message: string;
  /** The HTTP status of this answer on the operation's OCS version. */
  httpStatus: number;
}

const VERSIONS: readonly OcsVersion[] = [1, 2];

const ENVELOPE_REF = { $ref: '#/components/schemas/OcsEnvelope' };
const XML_REF = { $ref: '#/components/schemas/OcsEnvelopeXml' };
const responseRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

const SCHEMAS: Record<string, OpenApiSchema> = {
  OcsEnvelope: {
    type: 'object',
    description: 'Every OCS answer except 405, 412 and 413 (ocs-provisioning §4). Failures carry empty `data` (`[]`).',
    required: ['ocs'],
    properties: {
      ocs: {
        type: 'object',
        required: ['meta', 'data'],
        properties: {
          meta: { $ref: '#/components/schemas/OcsMeta' },
          data: { type: ['object', 'array'], description: 'The result; `[]` when empty.' },
        },
      },
    },
  },
  OcsEnvelopeXml: { type: 'string', description: 'The same envelope as an XML document: `<ocs><meta>…</meta><data>…</data></ocs>`.' },
  OcsMeta: {
    type: 'object',
    required: ['status', 'statuscode', 'message'],
    properties: {
      status: { enum: ['ok', 'failure'] },
      statuscode: { type: 'integer', description: 'Success: 100 on v1, 200 on v2. Otherwise the error code, the same on both versions.' },
      message: { type: 'string', description: '`OK` on success; the error message (possibly empty) on failure.' },
      totalitems: { const: '', description: 'v1 only, always empty.' },
      itemsperpage: { const: '', description: 'v1 only, always empty.' },
    },
  },
};

/** Answers that are the same for every operation. */
const RESPONSES: Record<string, object> = {
  OcsMethodNotAllowed: { description: 'The path exists, but not with this method. Empty body.' },
  OcsApiRequestMissing: {
    description: 'The `OCS-APIRequest` header is missing (checked after authentication and the admin-only check). Not enveloped.',
    content: {
      'application/json': {
        schema: { type: 'object', required: ['message'], properties: { message: { const: 'CSRF check failed' } } },
      },
    },
  },
  OcsBodyTooLarge: { description: 'The request body is larger than BODY_LIMIT. Empty body.' },
};

const TAGS: Record<string, string> = {
  users: 'OCS users: accounts, their groups and subadmin rights, welcome emails and the current user (ocs-provisioning §6)',
  groups: 'OCS groups (ocs-provisioning §7)',
  apps: 'OCS apps: Roster components (ocs-provisioning §8.3)',
};

/** The tag of a route: the first path word (`user` belongs to users). */
function tagOf(route: OcsRoute): string {
  const first = route.path.split('/')[0];
  return `OCS ${first === 'user' ? 'users' : first}`;
}

/** §3.5 levels, as the description says who may call. */
const LEVEL_TEXT: Readonly<Record<OcsLevel, string>> = {
  A: 'admins only',
  S: 'admins only (an admin setting)',
  B: 'admins and subadmins',
  U: 'any authenticated user',
};

/** The OpenAPI path template of a route (`{groupid*}` takes the rest of the path and becomes `{groupid}`). */
export function ocsOpenApiPath(version: OcsVersion, route: OcsRoute): string {
  return `/ocs/v${version}.php/cloud/${route.path.replace(/\{(\w+)\*\}/g, '{$1}')}`;
}

function placeholdersOf(route: OcsRoute): { name: string; rest: boolean }[] {
  return route.path
    .split('/')
    .map((part) => /^\{(\w+)(\*?)\}$/.exec(part))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ name: match[1], rest: match[2] === '*' }));
}

function operationIdOf(version: OcsVersion, route: OcsRoute): string {
  const words = [route.method.toLowerCase(), ...route.path.split(/[^A-Za-z0-9]+/).filter((word) => word !== '')];
  return `ocsV${version}${words.map((word) => word[0].toUpperCase() + word.slice(1)).join('')}`;
}

function kindSchema(kind: ParamKind): OpenApiSchema {
  switch (kind) {
    case 'text':
      return { type: 'string' };
    case 'list':
      return { type: 'array', items: { type: 'string' }, description: 'A list; a single value counts as a one-element list.' };
    case 'count':
      return { type: 'integer', minimum: 0, description: 'Decimal digits; anything else counts as absent. Values above 2147483647 are capped.' };
  }
}

/** Form and query strings name lists PHP style (`groups[]=a&groups[]=b`); JSON bodies use arrays. */
function formName(name: string, kind: ParamKind): string {
  return kind === 'list' ? `${name}[]` : name;
}

function bodySchema(params: Readonly<Record<string, ParamKind>>, form: boolean): OpenApiSchema {
  const properties: Record<string, OpenApiSchema> = {};
  for (const [name, kind] of Object.entries(params)) properties[form ? formName(name, kind) : name] = kindSchema(kind);
  return {
    type: 'object',
    description:
      form ? 'PHP-style form fields.' : 'JSON members: a number counts as its decimal text, `true` as `"1"`, `false` as `""`, `null` as absent.',
    properties,
  };
}

/**
 * The route's failures besides 997/405/412: its own table, a malformed JSON body (the body is read
 * for every method, §3.2), its internal failure and the §3.5 level denial.
 */
export function ocsDocumentedErrors(version: OcsVersion, route: OcsRoute): OcsDocumentedError[] {
  const found = new Map<string, OcsDocumentedError>();
  const add = (statuscode: number, message: string) => {
    found.set(`${statuscode} ${message}`, { statuscode, message, httpStatus: ocsHttpStatus(version, statuscode) });
  };
  for (const [statuscode, message] of Object.values(route.errors ?? {})) add(statuscode, typeof message === 'function' ? message('{value}') : message);
  add(...MALFORMED_BODY_FAILURE);
  if (route.level !== 'U') add(403, LEVEL_MESSAGES[route.level]);
  const [internalCode, internalMessage] = route.internal ?? INTERNAL_FAILURE;
  add(internalCode, internalMessage);
  return [...found.values()].sort((a, b) => a.statuscode - b.statuscode || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
}

function quoted(message: string): string {
  const text = message.trim();
  return text === '' ? '(empty message)' : `\`${text.replace(/`/g, "'").replace(/\s*\n\s*/g, ' ')}\``;
}

function errorLines(errors: readonly OcsDocumentedError[]): string {
  return errors.map((error) => `- ${error.statuscode}: ${quoted(error.message)}`).join('\n');
}

const enveloped = (description: string, headers?: Record<string, object>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ENVELOPE_REF }, 'application/xml': { schema: XML_REF } },
});

function responsesOf(version: OcsVersion, route: OcsRoute, errors: readonly OcsDocumentedError[], requireApiHeader: boolean): Record<string, object> {
  const byStatus = new Map<number, OcsDocumentedError[]>();
  for (const error of errors) byStatus.set(error.httpStatus, [...(byStatus.get(error.httpStatus) ?? []), error]);

  const inOk = byStatus.get(200) ?? [];
  const responses: Record<string, object> = {
    200: enveloped(
      inOk.length === 0
        ? `Success: \`ocs.meta.statuscode\` ${version === 1 ? 100 : 200}.`
        : `Success (\`ocs.meta.statuscode\` 100), and on v1 every failure but 997 as well, told apart by \`ocs.meta.statuscode\`:\n${errorLines(inOk)}`,
    ),
  };
  const unauthorised = [
    '- 997: `Unauthorised` when the credentials are wrong (with `WWW-Authenticate: Basic realm="Authorisation Required"`, `DummyBasic` for `X-Requested-With: XMLHttpRequest`)',
    '- 997: `Current user is not logged in` when there are none',
    ...(byStatus.get(401) ?? []).map((error) => `- ${error.statuscode}: ${quoted(error.message)}`),
  ];
  responses[401] = enveloped(`Not authenticated (\`ocs.meta.statuscode\`):\n${unauthorised.join('\n')}`, {
    'WWW-Authenticate': { description: 'When credentials were given but are wrong.', schema: { type: 'string' } },
  });
  for (const [status, list] of [...byStatus.entries()].sort(([a], [b]) => a - b)) {
    if (status === 200 || status === 401) continue;
    responses[status] = enveloped(`Failure (\`ocs.meta.statuscode\`):\n${errorLines(list)}`);
  }
  responses[405] = responseRef('OcsMethodNotAllowed');
  if (requireApiHeader) responses[412] = responseRef('OcsApiRequestMissing');
  // the body is read for every method (§3.2)
  responses[413] = responseRef('OcsBodyTooLarge');
  // on v1 the rate limit answers HTTP 200 like every failure, with the same statuscode and header
  if (version === 2) {
    responses[429] = enveloped('Rate limited: `ocs.meta.statuscode` 429 `Reached maximum number of requests` when the caller spent RATE_LIMIT_PER_MINUTE (on v1 with HTTP 200).', {
      'Retry-After': { description: 'Seconds until the budget returns.', schema: { type: 'integer' } },
    });
  }
  return responses;
}

function describe(route: OcsRoute, version: OcsVersion, errors: readonly OcsDocumentedError[]): string {
  const lines = [`Who may call: ${LEVEL_TEXT[route.level]}.`];
  for (const [name, value] of Object.entries(route.fixed ?? {})) lines.push(`Calls the procedure with \`${name}\` = \`${JSON.stringify(value)}\`.`);
  if (route.params && Object.keys(route.params).length > 0) {
    lines.push('Parameters are read from the query string, then the body (form-encoded or JSON), the body winning.');
  }
  lines.push(
    '',
    `Failures (\`ocs.meta.statuscode\` → HTTP status on v${version}; also in \`x-ocs-errors\`):`,
    ...errors.map((error) => `- ${error.statuscode} → ${error.httpStatus}: ${quoted(error.message)}`),
  );
  return lines.join('\n');
}

function operationOf(version: OcsVersion, route: OcsRoute, summary: string, requireApiHeader: boolean, schemaName: string | null): OpenApiOperation {
  const errors = ocsDocumentedErrors(version, route);
  const parameters: object[] = placeholdersOf(route).map(({ name, rest }) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
    ...(rest ? { description: 'Takes the rest of the path, so it may contain `/` (literally or as `%2F`); each segment is percent-decoded once.' } : {}),
  }));
  const params = route.params ?? {};
  if (route.method === 'GET') {
    for (const [name, kind] of Object.entries(params)) parameters.push({ name: formName(name, kind), in: 'query', required: false, schema: kindSchema(kind) });
  }
  parameters.push(
    {
      name: 'format',
      in: 'query',
      required: false,
      description: 'The response format; without it, the first `Accept` item that is exactly `application/json` or `application/xml` decides, else XML.',
      schema: { enum: ['json', 'xml'] },
    },
    {
      name: 'OCS-APIRequest',
      in: 'header',
      required: requireApiHeader,
      description: requireApiHeader ? 'Any non-empty value; without it the answer is 412.' : 'Not required by this instance (OCS_REQUIRE_API_HEADER=false).',
      schema: { type: 'string' },
      example: 'true',
    },
  );
  const operation: OpenApiOperation = {
    operationId: operationIdOf(version, route),
    tags: [tagOf(route)],
    summary,
    description: describe(route, version, errors),
    parameters,
  };
  if (route.method !== 'GET' && schemaName !== null) {
    operation.requestBody = {
      required: false,
      content: {
        'application/x-www-form-urlencoded': { schema: { $ref: `#/components/schemas/${schemaName}Form` } },
        'application/json': { schema: { $ref: `#/components/schemas/${schemaName}Json` } },
      },
    };
  }
  operation.security = [{ [BASIC_AUTH]: [] }];
  operation.responses = responsesOf(version, route, errors, requireApiHeader);
  operation['x-ocs-errors'] = errors;
  return operation;
}

/** The OCS paths, tags and schemas of the OpenAPI document. */
export function ocsOpenApi(options: OcsOpenApiOptions): OpenApiPart {
  const routes = options.routes ?? OCS_ROUTES;
  const schemas: Record<string, OpenApiSchema> = { ...SCHEMAS };
  const paths: Record<string, OpenApiPathItem> = {};
  const tags = new Set<string>();

  /** The body schemas of a route with parameters, named after its procedure (shared by v1 and v2). */
  function bodySchemaName(route: OcsRoute): string | null {
    if (route.method === 'GET' || !route.params || Object.keys(route.params).length === 0) return null;
    const name = `${route.procedure[0].toUpperCase()}${route.procedure.slice(1)}Params`;
    const form = bodySchema(route.params, true);
    const json = bodySchema(route.params, false);
    const known = schemas[`${name}Json`];
    if (known && JSON.stringify(known) !== JSON.stringify(json)) throw new Error(`OCS routes of ${route.procedure} read different parameters`);
    schemas[`${name}Form`] = form;
    schemas[`${name}Json`] = json;
    return name;
  }

  for (const version of VERSIONS) {
    for (const route of routes) {
      const procedure = options.dispatcher.resolve(route.procedure, false, 'ocs');
      if (!procedure) throw new Error(`OCS route ${route.method} ${route.path} names unknown procedure ${route.procedure}`);
      const path = ocsOpenApiPath(version, route);
      const item = (paths[path] ??= {});
      const method = route.method.toLowerCase() as Lowercase<OcsRoute['method']>;
      if (item[method]) throw new Error(`OCS route ${route.method} ${route.path} is listed twice`);
      item[method] = operationOf(version, route, procedure.description, options.requireApiHeader, bodySchemaName(route));
      tags.add(tagOf(route));
    }
  }
  return {
    paths,
    schemas,
    responses: RESPONSES,
    tags: [...tags].map((name) => ({ name, description: TAGS[name.slice('OCS '.length)] ?? name })),
  };
}
