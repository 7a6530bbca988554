/**
 * The nmcuser_oidc part of the OpenAPI document (GET /openapi.json), generated from the route table
 * the router serves (ROUTES): each route under /apps/nmcuser_oidc/api/1.1, its procedure's
 * description, its request fields (nmcuser-oidc §3, typed as ./fields.ts reads them), its answer
 * (§6) and the `{"message"}` failures (§5); plus the CORS preflight of every path.
 */
import type { Dispatcher } from '../../core/dispatcher';
import { BASIC_AUTH, type OpenApiOperation, type OpenApiPart, type OpenApiPathItem, type OpenApiSchema } from '../../core/openapi';
import { ROUTES, type OidcRoute } from './router';

export interface NmcuserOidcOpenApiOptions {
  /** Where the procedures' descriptions come from (the routes' summaries). */
  dispatcher: Pick<Dispatcher, 'resolve'>;
  /** Defaults to the table the router serves. */
  routes?: readonly OidcRoute[];
}

export const NMCUSER_OIDC_OPENAPI_PREFIX = '/apps/nmcuser_oidc/api/1.1';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const nullable = (schema: OpenApiSchema, description: string): OpenApiSchema => ({ anyOf: [schema, { type: 'null' }], description });

/** ./fields.ts booleanField: true/false, 1/0, or those words in any letter case. */
const BOOLEAN: OpenApiSchema = {
  anyOf: [{ type: 'boolean' }, { enum: [0, 1] }, { type: 'string', pattern: '^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[01])$' }],
};

/** The user fields of POST and PUT (nmcuser-oidc §6.2, §6.4); `null` counts as absent. */
const USER_FIELDS: Record<string, OpenApiSchema> = {
  displayname: nullable({ type: 'string' }, 'Display name.'),
  email: nullable({ type: 'string' }, 'Email address.'),
  altemail: nullable({ type: 'string' }, 'Alternative email address (the OCS `address`).'),
  quota: {
    anyOf: [{ type: 'string' }, { type: 'integer', minimum: 0 }, { type: 'null' }],
    description: '`none`, `default`, bytes, or a size with binary units (`25GB`, `1.5 GB`); a JSON number is bytes.',
    examples: ['25GB'],
  },
  migrated: { ...BOOLEAN, description: 'Whether the user has been migrated; `true` when created without it.' },
  enabled: { ...BOOLEAN, description: 'Whether the user may log in; `true` when created without it, and a PUT without it enables the user.' },
};

const SCHEMAS: Record<string, OpenApiSchema> = {
  NmcuserOidcNewUser: {
    type: 'object',
    description: 'Fields may also come from the query string; the body wins. A JSON body may carry `//` comments and trailing commas.',
    required: ['username', 'displayname'],
    properties: { username: { type: 'string', minLength: 1, description: "The identity provider's username." }, ...USER_FIELDS },
  },
  NmcuserOidcUserChanges: {
    type: 'object',
    description: 'Only the fields given change (except `enabled`, see there). Fields may also come from the query string; the body wins.',
    properties: USER_FIELDS,
  },
  NmcuserOidcUser: {
    type: 'object',
    required: ['id', 'displayname', 'email', 'quota', 'altemail', 'migrated', 'enabled'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', description: "Roster's id: the username, or its SHA-256 hex when longer than 64 bytes." },
      displayname: { type: 'string' },
      email: { type: ['string', 'null'] },
      quota: { type: 'string', description: 'Compact form: `none`, or the value in the largest unit it reaches (`25GB`, `2.9MB`).', examples: ['25GB'] },
      altemail: { type: 'string' },
      migrated: { type: 'boolean' },
      enabled: { type: 'boolean' },
    },
  },
  NmcuserOidcCreated: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string' } } },
  NmcuserOidcToken: {
    type: 'object',
    required: ['token'],
    additionalProperties: false,
    properties: { token: { type: 'string', minLength: 72, maxLength: 72, description: 'A new app password; only its hash is stored.' } },
  },
  NmcuserOidcError: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
};

const COUNT = { type: 'integer', minimum: 0, description: 'Decimal digits; anything else counts as absent.' };

/** How each procedure's route reads its request and answers; a route without an entry is refused. */
interface RouteDoc {
  query?: { name: string; schema: OpenApiSchema; description: string }[];
  body?: string;
  ok: { description: string; schema: OpenApiSchema; headers?: Record<string, object> };
  /** Failures besides those every route has (names in FAILURES). */
  extra?: readonly string[];
}

const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  oidcListUsers: {
    query: [
      { name: 'pattern', schema: { type: 'string' }, description: 'Only ids containing this text.' },
      { name: 'limit', schema: COUNT, description: 'Page size.' },
      { name: 'offset', schema: COUNT, description: 'Ids to skip.' },
    ],
    ok: { description: "The provider's user ids, one page.", schema: { type: 'array', items: { type: 'string' } } },
  },
  oidcCreateUser: {
    body: 'NmcuserOidcNewUser',
    ok: { description: 'Created.', schema: ref('NmcuserOidcCreated') },
    extra: ['NmcuserOidcExists'],
  },
  oidcGetUser: { ok: { description: 'The user.', schema: ref('NmcuserOidcUser') } },
  oidcUpdateUser: { body: 'NmcuserOidcUserChanges', ok: { description: 'The user after the change.', schema: ref('NmcuserOidcUser') } },
  oidcDeleteUser: { ok: { description: 'Deleted: the JSON string `""`.', schema: { const: '' } } },
  oidcMintToken: {
    ok: {
      description: 'A new app password that acts as the user on every surface.',
      schema: ref('NmcuserOidcToken'),
      headers: { 'Cache-Control': { schema: { const: 'no-store' } } },
    },
  },
};

/** The `{"message"}` failures (components/responses): name → status and description. */
const FAILURES: Readonly<Record<string, readonly [number, string]>> = {
  NmcuserOidcInvalid: [400, 'Invalid request: `Invalid value for <field>` (wrong type), `<field> is required`, `Invalid quota value <q>`, `Invalid JSON body`.'],
  NmcuserOidcUnauthorised: [401, '`CORS requires basic auth`: no credentials, wrong ones, or the API token.'],
  NmcuserOidcForbidden: [403, '`Logged in account must be an admin`.'],
  NmcuserOidcNotFound: [404, '`No oidc provider <provider>`, `No user <id>, id=<internal id>`, or `App nmcuser_oidc is disabled`.'],
  NmcuserOidcMethodNotAllowed: [405, '`Method not allowed`: the path exists, but not with this method.'],
  NmcuserOidcExists: [409, '`OpenID user <provider>:<username> already exists!` (any account with that id).'],
  NmcuserOidcBodyTooLarge: [413, '`Request body too large`: larger than BODY_LIMIT.'],
  NmcuserOidcRateLimited: [429, '`Too many requests`: the caller spent RATE_LIMIT_PER_MINUTE; `Retry-After` gives the seconds until the budget returns.'],
  NmcuserOidcInternal: [500, '`Internal error`.'],
};

/** Every route may answer these. */
const COMMON_FAILURES = ['NmcuserOidcInvalid', 'NmcuserOidcUnauthorised', 'NmcuserOidcForbidden', 'NmcuserOidcNotFound', 'NmcuserOidcMethodNotAllowed', 'NmcuserOidcRateLimited', 'NmcuserOidcInternal'];

const CORS_ORIGIN = { description: 'The request\'s `Origin`, when it has one (with `Vary: Origin`).', schema: { type: 'string' } };

function jsonAnswer(description: string, schema: OpenApiSchema, headers: Record<string, object> = {}): object {
  return { description, headers: { 'Access-Control-Allow-Origin': CORS_ORIGIN, ...headers }, content: { 'application/json': { schema } } };
}

function operationIdOf(method: string, path: readonly string[]): string {
  const words = [method.toLowerCase(), ...path.flatMap((part) => part.split(/[^A-Za-z0-9]+/)).filter((word) => word !== '')];
  return `nmcuserOidc${words.map((word) => word[0].toUpperCase() + word.slice(1)).join('')}`;
}

function placeholdersOf(route: OidcRoute): string[] {
  return route.path.map((part) => /^\{(\w+)\}$/.exec(part)?.[1]).filter((name): name is string => name !== undefined);
}

const PATH_PARAMS: Readonly<Record<string, string>> = {
  provider: 'An OIDC provider: its identifier (any letter case) or numeric id.',
  id: "The identity provider's username, or Roster's id for it.",
};

function pathParameters(route: OidcRoute): object[] {
  return placeholdersOf(route).map((name) => ({ name, in: 'path', required: true, description: PATH_PARAMS[name] ?? name, schema: { type: 'string' } }));
}

function operationOf(route: OidcRoute, summary: string): OpenApiOperation {
  const doc = ROUTE_DOCS[route.procedure];
  if (!doc) throw new Error(`nmcuser_oidc route ${route.method} ${route.path.join('/')} has no OpenAPI description`);
  const parameters: object[] = [];
  for (const field of doc.query ?? []) parameters.push({ name: field.name, in: 'query', required: false, description: field.description, schema: field.schema });

  const responses: Record<string, object> = { 200: jsonAnswer(doc.ok.description, doc.ok.schema, doc.ok.headers) };
  const failures = [...COMMON_FAILURES, ...(doc.extra ?? []), ...(doc.body ? ['NmcuserOidcBodyTooLarge'] : [])];
  for (const name of failures.sort((a, b) => FAILURES[a][0] - FAILURES[b][0])) responses[FAILURES[name][0]] = { $ref: `#/components/responses/${name}` };
  const operation: OpenApiOperation = {
    operationId: operationIdOf(route.method, route.path),
    tags: ['nmcuser_oidc'],
    summary,
    description: 'Admin only. Also served under `/apps/nmcuser_oidc/api/1.0/…` and, for both versions, behind `/index.php`.',
    ...(parameters.length > 0 ? { parameters } : {}),
  };
  if (doc.body) {
    operation.requestBody = {
      required: false,
      content: { 'application/json': { schema: ref(doc.body) }, 'application/x-www-form-urlencoded': { schema: ref(doc.body) } },
    };
  }
  operation.security = [{ [BASIC_AUTH]: [] }];
  operation.responses = responses;
  return operation;
}

const PREFLIGHT: OpenApiOperation = {
  tags: ['nmcuser_oidc'],
  summary: 'CORS preflight.',
  description: 'Answered without credentials, for any path under the API prefix (404 while the app nmcuser_oidc is disabled).',
  security: [],
  responses: {
    200: {
      description: 'Empty body.',
      headers: {
        'Access-Control-Allow-Origin': { description: 'The request\'s `Origin`, else `*`.', schema: { type: 'string' } },
        'Access-Control-Allow-Methods': { schema: { const: 'PUT, POST, GET, DELETE, PATCH' } },
        'Access-Control-Allow-Headers': { schema: { const: 'Authorization, Content-Type, Accept' } },
        'Access-Control-Max-Age': { schema: { const: '1728000' } },
        'Access-Control-Allow-Credentials': { schema: { const: 'false' } },
      },
    },
    404: jsonAnswer('`App nmcuser_oidc is disabled`.', ref('NmcuserOidcError')),
  },
};

/** The nmcuser_oidc paths, tag and schemas of the OpenAPI document. */
export function nmcuserOidcOpenApi(options: NmcuserOidcOpenApiOptions): OpenApiPart {
  const paths: Record<string, OpenApiPathItem> = {};
  for (const route of options.routes ?? ROUTES) {
    const procedure = options.dispatcher.resolve(route.procedure, false, 'nmcuser_oidc');
    if (!procedure) throw new Error(`nmcuser_oidc route names unknown procedure ${route.procedure}`);
    const path = `${NMCUSER_OIDC_OPENAPI_PREFIX}/${route.path.join('/')}`;
    // the path parameters are declared once, for every operation of the path (the preflight too)
    const item = (paths[path] ??= { parameters: pathParameters(route) });
    const method = route.method.toLowerCase() as Lowercase<OidcRoute['method']>;
    if (item[method]) throw new Error(`nmcuser_oidc route ${route.method} ${path} is listed twice`);
    item[method] = operationOf(route, procedure.description);
    item.options = { operationId: operationIdOf('options', route.path), ...PREFLIGHT };
  }
  return {
    paths,
    schemas: SCHEMAS,
    responses: Object.fromEntries(Object.entries(FAILURES).map(([name, [, description]]) => [name, jsonAnswer(description, ref('NmcuserOidcError'))])),
    tags: [
      {
        name: 'nmcuser_oidc',
        description: 'OpenID Connect users per provider before their first login, and app passwords that act as them (nmcuser-oidc). Bare JSON; errors as `{"message":"…"}`.',
      },
    ],
  };
}
