/** rpc.discover and GET /openrpc.json (contract §8.2). */
import request from 'supertest';
import { registry as fullRegistry } from '../../procedures';
import { servesSurface } from '../../src/core/dispatcher';

/** The JSON-RPC procedures: OCS- and nmcuser_oidc-only ones are never described here. */
const registry = fullRegistry.filter((p) => servesSurface(p, 'rpc'));
import { ACCESS_MAP } from '../../src/core/access';
import { createValidator } from '../../src/core/validator';
import { startTestApp, type TestApp } from '../helpers/app';

interface Method {
  name: string;
  description: string;
  paramStructure: string;
  params: { name: string; required: boolean; schema: unknown }[];
  result: { name: string; schema: unknown };
  errors: { code: number; message: string }[];
  'x-access': { app: boolean; user: unknown };
}

let t: TestApp;
let doc: { openrpc: string; info: object; servers: object[]; methods: Method[] };
beforeAll(async () => {
  t = await startTestApp();
  const res = await t.rpc('/rpc', 'rpc.discover');
  doc = res.result as typeof doc;
});
afterAll(() => t.close());

test('the document header', () => {
  expect(doc.openrpc).toBe('1.3.2');
  expect(doc.info).toEqual({ title: 'Roster JSON-RPC', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  expect(doc.servers).toEqual([
    { name: 'strict', url: '/rpc' },
    { name: 'compat', url: '/jsonrpc.php' },
  ]);
});

test('every registered procedure appears once, sorted by name, and nothing else', () => {
  const names = doc.methods.map((m) => m.name);
  expect(names).toEqual(registry.map((p) => p.name).sort());
  expect(names).toContain('rpc.discover');
  expect(names.filter((name) => /^(ocs|oidc)[A-Z]/.test(name))).toEqual([]);
  expect(fullRegistry.length).toBeGreaterThan(registry.length);
});

test('each method embeds the params schemas ajv compiled, in positional order', () => {
  const validator = createValidator(registry);
  for (const procedure of registry) {
    const method = doc.methods.find((m) => m.name === procedure.name)!;
    const compiled = validator.schemaOf(procedure.name) as { properties: Record<string, unknown>; required?: string[] };
    expect(method.params.map((p) => p.name)).toEqual([...procedure.params]);
    for (const param of method.params) {
      expect(param.schema).toEqual(compiled.properties[param.name]);
      expect(param.required).toBe((compiled.required ?? []).includes(param.name));
    }
    expect(method.paramStructure).toBe('either');
    expect(method.description).toBe(procedure.description);
    expect(method.result).toEqual({ name: 'result', schema: procedure.result });
    const rule = ACCESS_MAP.get(procedure.name)!;
    expect(method['x-access']).toEqual({ app: rule.app, user: typeof rule.user === 'string' ? rule.user : { project: rule.user.project } });
    expect(method.errors.map((e) => e.code)).toEqual(expect.arrayContaining([-32602, -32004, -32603]));
  }
});

test('createUser documents its positional params and the access rule', () => {
  const method = doc.methods.find((m) => m.name === 'createUser')!;
  expect(method.params.map((p) => [p.name, p.required])).toEqual([
    ['username', true],
    ['password', true],
    ['name', false],
    ['email', false],
    ['role', false],
  ]);
  expect(method['x-access']).toEqual({ app: true, user: 'app-admin' });
  expect(doc.methods.find((m) => m.name === 'getMe')!['x-access']).toEqual({ app: false, user: 'app-user' });
});

test('the same document at both endpoints, for every caller, and at GET /openrpc.json', async () => {
  const userId = await t.createUser('reader', 'reader-pw');
  expect(userId).toBeGreaterThan(1);
  const compat = await t.rpc('/jsonrpc.php', 'rpc.discover');
  const asUser = await t.rpc('/rpc', 'rpc.discover', undefined, ['reader', 'reader-pw']);
  const open = await request(t.app).get('/openrpc.json');
  expect(compat.result).toEqual(doc);
  expect(asUser.result).toEqual(doc);
  expect(open.status).toBe(200);
  expect(open.body).toEqual(doc);
});

test('rpc.discover needs authentication and takes no params', async () => {
  const anonymous = await t.call('/rpc', { jsonrpc: '2.0', method: 'rpc.discover', id: 1 }, 'none');
  expect(anonymous.status).toBe(401);
  expect(await t.rpc('/jsonrpc.php', 'rpc.discover', ['x'])).toEqual({
    jsonrpc: '2.0',
    error: { code: -32602, message: 'Invalid params', data: 'Too many arguments' },
    id: 1,
  });
  expect((await t.rpc('/rpc', 'rpc.discover', { x: 1 })).error).toMatchObject({ code: -32602 });
});

test('other rpc.* names are not callable', async () => {
  expect(await t.rpc('/rpc', 'rpc.other')).toEqual({
    jsonrpc: '2.0',
    error: { code: -32601, message: 'Method not found', data: { reason: 'method_not_found' } },
    id: 1,
  });
});
