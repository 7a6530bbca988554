/** GET /openapi.json: the OpenAPI 3.1 document of the OCS and nmcuser_oidc routes (issue #6). */
import request from 'supertest';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import packageJson from '../../package.json';
import { ocsHttpStatus, type OcsVersion } from '../../src/adapters/ocs/envelope';
import { ocsOpenApi } from '../../src/adapters/ocs/openapi';
import { OCS_ROUTES } from '../../src/adapters/ocs/routes';
import { ROUTES as OIDC_ROUTES } from '../../src/adapters/nmcuserOidc/router';
import type { TestApp } from '../helpers/app';
import { createOidc, oidc, startOidcApp } from '../helpers/nmcuserOidc';
import { ocsRequest } from '../helpers/ocs';

type Json = Record<string, unknown>;
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema: Json;
}
interface Response {
  description: string;
  content?: Record<string, { schema: Json }>;
  headers?: Record<string, { schema: Json }>;
}
interface Operation extends Json {
  operationId: string;
  summary: string;
  description: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, Response | { $ref: string }>;
  security: Record<string, string[]>[];
  'x-ocs-errors'?: { statuscode: number; message: string; httpStatus: number }[];
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation> & { parameters?: Parameter[] }>;
  components: { securitySchemes: Record<string, Json>; schemas: Record<string, Json>; responses: Record<string, Response> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const OIDC_PREFIX = '/apps/nmcuser_oidc/api/1.1';
const SCHEMA_BASE = 'https://roster.invalid/openapi.json';

let t: TestApp;
let doc: Document;
beforeAll(async () => {
  t = await startOidcApp();
  const res = await request(t.app).get('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  doc = res.body as Document;
});
afterAll(() => t.close());

const ocsPath = (version: OcsVersion, path: string) => `/ocs/v${version}.php/cloud/${path.replace(/\{(\w+)\*\}/g, '{$1}')}`;
const operations = (): [string, string, Operation][] =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).filter(([method]) => METHODS.includes(method)).map(([method, op]) => [path, method, op] as [string, string, Operation]));

/** An operation's parameters with those its path item declares for all its operations. */
const parametersOf = (path: string, op: Operation): Parameter[] => [...(doc.paths[path].parameters ?? []), ...(op.parameters ?? [])];

/** A response object, following a `#/components/responses/…` reference. */
const responseOf = (response: Response | { $ref: string } | undefined): Response | undefined =>
  response && '$ref' in response ? (resolvePointer(response.$ref) as Response | undefined) : response;

/** Every JSON Schema object in the document, with where it is. */
function schemaObjects(): [string, Json][] {
  const found: [string, Json][] = Object.entries(doc.components.schemas).map(([name, schema]) => [`#/components/schemas/${name}`, schema]);
  const fromResponse = (at: string, response: Response | { $ref: string }) => {
    if ('$ref' in response) return;
    for (const [type, media] of Object.entries(response.content ?? {})) found.push([`${at} ${type}`, media.schema]);
    for (const [name, header] of Object.entries(response.headers ?? {})) found.push([`${at} header ${name}`, header.schema]);
  };
  for (const [name, response] of Object.entries(doc.components.responses)) fromResponse(`#/components/responses/${name}`, response);
  for (const [path, method, op] of operations()) {
    const at = `${method.toUpperCase()} ${path}`;
    for (const parameter of parametersOf(path, op)) found.push([`${at} parameter ${parameter.name}`, parameter.schema]);
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) found.push([`${at} body ${type}`, media.schema]);
    for (const [status, response] of Object.entries(op.responses)) fromResponse(`${at} ${status}`, response);
  }
  return found;
}

/** Component refs made absolute, so each schema compiles on its own against the registered components. */
function absolute(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(absolute);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, key === '$ref' && typeof inner === 'string' && inner.startsWith('#/') ? `${SCHEMA_BASE}${inner}` : absolute(inner)]),
  );
}

let ajv: Ajv2020 | undefined;
function compile(schema: Json): ValidateFunction {
  if (!ajv) {
    ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    for (const [name, component] of Object.entries(doc.components.schemas)) ajv.addSchema(absolute(component) as Json, `${SCHEMA_BASE}#/components/schemas/${name}`);
  }
  return ajv.compile(absolute(schema) as Json);
}

function resolvePointer(pointer: string): unknown {
  let node: unknown = doc;
  for (const raw of pointer.replace(/^#\//, '').split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refsIn(item, out));
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') out.push(inner);
      else refsIn(inner, out);
    }
  }
  return out;
}

/** Checks a real answer against the schema the document gives for it. */
function expectDocumented(path: string, method: string, res: { status: number; text: string; headers: Record<string, string> }): void {
  const response = responseOf(doc.paths[path]?.[method]?.responses[String(res.status)]);
  expect({ path, method, status: res.status, documented: response !== undefined }).toEqual({ path, method, status: res.status, documented: true });
  const type = (res.headers['content-type'] ?? '').split(';')[0];
  if (res.text === '') return;
  const schema = response!.content?.[type]?.schema;
  expect({ path, method, status: res.status, type, documented: schema !== undefined }).toEqual({ path, method, status: res.status, type, documented: true });
  if (type !== 'application/json') return;
  const validate = compile(schema!);
  const body: unknown = JSON.parse(res.text);
  expect({ path, method, status: res.status, body, errors: validate(body) ? null : validate.errors }).toEqual({ path, method, status: res.status, body, errors: null });
}

describe('the document', () => {
  test('is served without credentials, as OpenAPI 3.1.0 with the package version', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Roster', version: packageJson.version });
    expect(doc.servers).toEqual([{ url: '/' }]);
    expect(doc.components.securitySchemes.basicAuth).toMatchObject({ type: 'http', scheme: 'basic' });
  });

  test('every OCS route appears under v1 and v2 with its method, summary and errors', () => {
    for (const route of OCS_ROUTES) {
      const description = t.dispatcher.resolve(route.procedure, false, 'ocs')!.description;
      for (const version of [1, 2] as const) {
        const op = doc.paths[ocsPath(version, route.path)]?.[route.method.toLowerCase()];
        expect({ route: `${route.method} v${version} ${route.path}`, found: op !== undefined }).toEqual({ route: `${route.method} v${version} ${route.path}`, found: true });
        expect(op.summary).toBe(description);
        expect(op.security).toEqual([{ basicAuth: [] }]);
        expect(op.parameters).toContainEqual(expect.objectContaining({ name: 'OCS-APIRequest', in: 'header', required: true }));
        expect(op.parameters).toContainEqual(expect.objectContaining({ name: 'format', in: 'query', schema: { enum: ['json', 'xml'] } }));
        expect(responseOf(op.responses['200'])!.content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/OcsEnvelope' });
        expect(responseOf(op.responses['200'])!.content?.['application/xml']).toBeDefined();
        for (const status of ['401', '405', '412']) expect(op.responses[status]).toBeDefined();
        // a JSON body that does not parse: on every route and method (the body is always read)
        expect(op['x-ocs-errors']).toContainEqual({ statuscode: 400, message: 'Invalid JSON body', httpStatus: version === 1 ? 200 : 400 });
        expect(op.responses[version === 1 ? '200' : '400']).toBeDefined();
        for (const [statuscode, message] of Object.values(route.errors ?? {})) {
          const text = typeof message === 'function' ? message('{value}') : message;
          const httpStatus = ocsHttpStatus(version, statuscode);
          expect(op['x-ocs-errors']).toContainEqual({ statuscode, message: text, httpStatus });
          expect(op.responses[String(httpStatus)]).toBeDefined();
        }
        const params = Object.entries(route.params ?? {});
        if (route.method === 'GET') {
          for (const [name, kind] of params) expect(op.parameters).toContainEqual(expect.objectContaining({ name: kind === 'list' ? `${name}[]` : name, in: 'query' }));
        } else if (params.length > 0) {
          const json = resolvePointer((op.requestBody!.content['application/json'].schema as { $ref: string }).$ref) as { properties: Json };
          expect(Object.keys(json.properties).sort()).toEqual(params.map(([name]) => name).sort());
          expect(op.requestBody!.content['application/x-www-form-urlencoded']).toBeDefined();
        }
      }
    }
    // nothing else under /ocs
    const ocsPaths = Object.keys(doc.paths).filter((path) => path.startsWith('/ocs/'));
    expect(ocsPaths.sort()).toEqual([...new Set(OCS_ROUTES.flatMap((route) => [ocsPath(1, route.path), ocsPath(2, route.path)]))].sort());
  });

  test('the rest-of-path {groupid*} routes say the value may contain /', () => {
    const op = doc.paths['/ocs/v2.php/cloud/groups/{groupid}'].delete;
    expect(op.parameters!.find((p) => p.name === 'groupid')).toMatchObject({ in: 'path', required: true, description: expect.stringContaining('`/`') });
  });

  test('without OCS_REQUIRE_API_HEADER the header is optional and 412 is not documented', () => {
    const part = ocsOpenApi({ dispatcher: t.dispatcher, requireApiHeader: false });
    const op = part.paths['/ocs/v1.php/cloud/users'].get as unknown as Operation;
    expect(op.parameters).toContainEqual(expect.objectContaining({ name: 'OCS-APIRequest', required: false }));
    expect(op.responses['412']).toBeUndefined();
  });

  test('every nmcuser_oidc route appears with its method and summary, and every path has its preflight', () => {
    for (const route of OIDC_ROUTES) {
      const path = `${OIDC_PREFIX}/${route.path.join('/')}`;
      const op = doc.paths[path]?.[route.method.toLowerCase()];
      expect({ route: `${route.method} ${path}`, found: op !== undefined }).toEqual({ route: `${route.method} ${path}`, found: true });
      expect(op.summary).toBe(t.dispatcher.resolve(route.procedure, false, 'nmcuser_oidc')!.description);
      expect(op.security).toEqual([{ basicAuth: [] }]);
      expect(op.description).toContain('1.0');
      expect(op.description).toContain('/index.php');
      for (const status of ['200', '400', '401', '403', '404', '405', '500']) expect(op.responses[status]).toBeDefined();
      expect(responseOf(op.responses['404'])!.content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/NmcuserOidcError' });
      expect(doc.paths[path].options).toMatchObject({ security: [] });
    }
    expect(doc.paths[`${OIDC_PREFIX}/nmcusers/{provider}`].post.responses['409']).toBeDefined();
    const oidcPaths = Object.keys(doc.paths).filter((path) => path.startsWith('/apps/'));
    expect(oidcPaths.sort()).toEqual([...new Set(OIDC_ROUTES.map((route) => `${OIDC_PREFIX}/${route.path.join('/')}`))].sort());
    expect(Object.keys(doc.paths).every((path) => path.startsWith('/ocs/') || path.startsWith('/apps/'))).toBe(true);
  });
});

describe('well-formed OpenAPI 3.1', () => {
  test('every schema object compiles as a JSON Schema 2020-12 (ajv, strict)', () => {
    const schemas = schemaObjects();
    expect(schemas.length).toBeGreaterThan(100);
    for (const [where, schema] of schemas) {
      try {
        compile(schema);
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}`);
      }
    }
  });

  test('every $ref resolves within the document', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref.startsWith('#/')).toBe(true);
      expect({ ref, resolves: resolvePointer(ref) !== undefined }).toEqual({ ref, resolves: true });
    }
  });

  test('operations: unique ids, declared path parameters, described responses, known tags and security schemes', () => {
    const ids = new Set<string>();
    const tags = new Set(doc.tags.map((tag) => tag.name));
    for (const [path, method, op] of operations()) {
      const at = `${method} ${path}`;
      expect(path.startsWith('/')).toBe(true);
      expect(typeof op.operationId).toBe('string');
      expect({ at, duplicate: ids.has(op.operationId) }).toEqual({ at, duplicate: false });
      ids.add(op.operationId);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      const declared = parametersOf(path, op).filter((p) => p.in === 'path');
      expect({ at, names: declared.map((p) => p.name).sort() }).toEqual({ at, names: templated });
      for (const parameter of declared) expect(parameter.required).toBe(true);
      const keys = parametersOf(path, op).map((p) => `${p.in} ${p.name.toLowerCase()}`);
      expect(new Set(keys).size).toBe(keys.length);
      for (const parameter of parametersOf(path, op)) expect(['path', 'query', 'header', 'cookie']).toContain(parameter.in);
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(op.responses)) {
        expect({ at, status, ok: /^[1-5](\d\d|XX)$/.test(status) || status === 'default' }).toEqual({ at, status, ok: true });
        expect({ at, status, description: typeof responseOf(response)?.description }).toEqual({ at, status, description: 'string' });
      }
      for (const requirement of op.security ?? []) for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes[scheme]).toBeDefined();
      for (const tag of (op.tags as string[] | undefined) ?? []) expect(tags.has(tag)).toBe(true);
    }
    // no two paths differ only in their template names (OpenAPI 3.1 §4.8.8)
    const shapes = Object.keys(doc.paths).map((path) => path.replace(/\{[^}]+\}/g, '{}'));
    expect(new Set(shapes).size).toBe(shapes.length);
  });
});

describe('real answers match the documented schemas', () => {
  test('OCS JSON envelopes: success and failure on both versions', async () => {
    for (const version of [1, 2] as const) {
      const at = ocsPath(version, 'users/{userid}');
      expectDocumented(at, 'get', await ocsRequest(t, 'GET', version, 'users/admin', { format: 'json' }));
      expectDocumented(at, 'get', await ocsRequest(t, 'GET', version, 'users/nobody', { format: 'json' }));
      expectDocumented(at, 'get', await ocsRequest(t, 'GET', version, 'users/admin', { format: 'json', caller: ['admin', 'wrong'] }));
      expectDocumented(at, 'get', await ocsRequest(t, 'GET', version, 'users/admin', { format: 'json', apiHeader: false }));
      expectDocumented(ocsPath(version, 'users'), 'post', await ocsRequest(t, 'POST', version, 'users', { format: 'json', form: { userid: `o${version}`, password: 'Fixture-pw-1' } }));
      expectDocumented(ocsPath(version, 'users'), 'post', await ocsRequest(t, 'POST', version, 'users', { format: 'json', form: { userid: `o${version}`, password: 'Fixture-pw-1' } }));
      expectDocumented(ocsPath(version, 'groups/{groupid*}'), 'get', await ocsRequest(t, 'GET', version, 'groups/admin', { format: 'json' }));
    }
  });

  test('nmcuser_oidc answers', async () => {
    const base = `${OIDC_PREFIX}/nmcusers/{provider}`;
    const id = await createOidc(t, { username: 'openapi-user', displayname: 'Open API' });
    expectDocumented(base, 'get', await oidc(t, 'GET', 'nmcusers/telekom'));
    expectDocumented(base, 'post', await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: 'openapi-user', displayname: 'again' } }));
    expectDocumented(base, 'post', await oidc(t, 'POST', 'nmcusers/telekom', { json: { username: 'other', displayname: 1 } }));
    expectDocumented(`${base}/{id}`, 'get', await oidc(t, 'GET', `nmcusers/telekom/${id}`));
    expectDocumented(`${base}/{id}`, 'put', await oidc(t, 'PUT', `nmcusers/telekom/${id}`, { json: { quota: 1073741824, enabled: 'FALSE' } }));
    expectDocumented(`${base}/{id}`, 'get', await oidc(t, 'GET', 'nmcusers/nope/x'));
    expectDocumented(`${base}/{id}`, 'get', await oidc(t, 'GET', `nmcusers/telekom/${id}`, { auth: 'none' }));
    expectDocumented(`${OIDC_PREFIX}/token/{provider}/{id}`, 'get', await oidc(t, 'GET', `token/telekom/${id}`));
    expectDocumented(`${base}/{id}`, 'delete', await oidc(t, 'DELETE', `nmcusers/telekom/${id}`));
    expectDocumented(`${base}/{id}`, 'options', await oidc(t, 'OPTIONS', `nmcusers/telekom/${id}`, { auth: 'none', headers: { Origin: 'https://example.org' } }));
  });
});

test('the rate limit (RATE_LIMIT_PER_MINUTE) is documented: 429 with Retry-After on OCS v2, 429 on every nmcuser_oidc operation', () => {
  const checked = { v1: 0, v2: 0, oidc: 0 };
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as Operation | undefined;
      if (!operation || method === 'options') continue;
      const limited = operation.responses['429'] as Response | { $ref: string } | undefined;
      if (path.startsWith('/ocs/v2.php/')) {
        expect({ path, method, header: limited && 'headers' in limited ? Object.keys(limited.headers ?? {}) : null }).toEqual({ path, method, header: ['Retry-After'] });
        checked.v2 += 1;
      } else if (path.startsWith('/ocs/v1.php/')) {
        expect({ path, method, limited }).toEqual({ path, method, limited: undefined });
        checked.v1 += 1;
      } else if (path.startsWith(OIDC_PREFIX)) {
        expect({ path, method, limited }).toEqual({ path, method, limited: { $ref: '#/components/responses/NmcuserOidcRateLimited' } });
        checked.oidc += 1;
      }
    }
  }
  expect(checked.v1).toBe(OCS_ROUTES.length);
  expect(checked.v2).toBe(OCS_ROUTES.length);
  expect(checked.oidc).toBe(OIDC_ROUTES.length);
  expect(doc.components.responses.NmcuserOidcRateLimited.description).toContain('Retry-After');
});
