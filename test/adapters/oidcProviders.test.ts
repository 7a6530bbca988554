/**
 * OIDC provider management over JSON-RPC (nmcuser-oidc §9.1, §9.2, §9.3, §11 cases 20–21) at both
 * endpoints, following the JSON-RPC contract: binding, validation, compat failure values, strict
 * errors, access and rpc.discover. The nmcuser_oidc-only procedures stay off the JSON-RPC surface.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { bootstrap } from '../../src/bootstrap';
import { createPasswordService } from '../../src/auth/passwords';
import { loadConfig } from '../../src/config';
import { createValidator } from '../../src/core/validator';
import { registry } from '../../procedures';
import { createLogger } from '../../src/logger';
import { start } from '../../src/main';
import { ADMIN, API_TOKEN, startTestApp, type TestApp } from '../helpers/app';
import { createTestDatabase, testDatabaseKind } from '../helpers/database';
import { COMPAT, STRICT, alreadyExists, err, expectBoth, expectFailure, invalidParams, notFound, ok, rawCall } from '../helpers/users';
import { COMPAT_METHOD_NOT_FOUND, COMPAT_WRONG, STRICT_METHOD_NOT_FOUND } from '../helpers/protocol';
import { expectDenied } from '../helpers/groups';

const ADMIN_CREDENTIALS = [ADMIN.username, ADMIN.password] as const;
const MANAGER = ['oidc-manager', 'manager-secret'] as const;
const PLAIN = ['oidc-plain', 'plain-secret'] as const;
const DISCOVERY = 'https://login.example.com/.well-known/openid-configuration';
const OIDC_ONLY = ['oidcListUsers', 'oidcCreateUser', 'oidcGetUser', 'oidcUpdateUser', 'oidcDeleteUser', 'oidcMintToken'];
const PROVIDER_PROCEDURES = ['createOidcProvider', 'getAllOidcProviders', 'getOidcProvider', 'removeOidcProvider'];

/** The §9.1 provider object, members in wire order. */
const provider = (id: number, identifier: string, client_id = '', discovery_url = '') => ({ id, identifier, client_id, discovery_url });

type ProviderRow = { id: number; identifier: string; client_id: string; discovery_url: string };

async function providerRows(t: TestApp): Promise<ProviderRow[]> {
  const rows = await t.knex('oidc_providers').orderBy('id').select('id', 'identifier', 'client_id', 'discovery_url');
  return rows.map((r: ProviderRow) => ({ ...r, id: Number(r.id) }));
}

async function providerRow(t: TestApp, id: number): Promise<ProviderRow | undefined> {
  return (await providerRows(t)).find((r) => r.id === id);
}

/** Creates through strict and returns the new id (fails the test otherwise). */
async function create(t: TestApp, params: unknown): Promise<number> {
  const text = await rawCall(t, STRICT, 'createOidcProvider', params);
  const result = JSON.parse(text).result;
  if (typeof result !== 'number') throw new Error(`createOidcProvider ${JSON.stringify(params)} failed: ${text}`);
  return result;
}

const fieldError = (keyword: string, message: string, instancePath = '/identifier') => ({ instancePath, keyword, message });
const PATTERN = fieldError('pattern', 'must match pattern "^[A-Za-z0-9._-]+$"');
const ALL_DIGITS = fieldError('not', 'must NOT be valid');
const URL_FORMAT = fieldError('format', 'must match format "http-url-or-empty"', '/discovery_url');
const idError = (keyword: string, message: string) => invalidParams({ instancePath: '/provider_id', keyword, message });

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await t.createUser(...MANAGER, { role: 'app-manager' });
  await t.createUser(...PLAIN);
});
afterAll(() => t.close());

describe('a fresh database: ids, getAllOidcProviders, case 21', () => {
  let fresh: TestApp;
  beforeAll(async () => {
    fresh = await startTestApp();
  });
  afterAll(() => fresh.close());

  test('no providers → [] at both endpoints', async () => {
    expect(await rawCall(fresh, COMPAT, 'getAllOidcProviders')).toBe('{"jsonrpc":"2.0","result":[],"id":1}');
    expect(await rawCall(fresh, STRICT, 'getAllOidcProviders')).toBe('{"jsonrpc":"2.0","result":[],"id":1}');
    expect(await rawCall(fresh, STRICT, 'getAllOidcProviders', [])).toBe('{"jsonrpc":"2.0","result":[],"id":1}');
    expect(await rawCall(fresh, COMPAT, 'getAllOidcProviders', {})).toBe('{"jsonrpc":"2.0","result":[],"id":1}');
  });

  test('the first provider is id 1; byte for byte at both endpoints; the list is by id', async () => {
    const res = await fresh.call(COMPAT, '{"jsonrpc":"2.0","method":"createOidcProvider","params":["Telekom"],"id":9}');
    expect(res.text).toBe('{"jsonrpc":"2.0","result":1,"id":9}');
    const one = '{"jsonrpc":"2.0","result":[{"id":1,"identifier":"Telekom","client_id":"","discovery_url":""}],"id":1}';
    expect(await rawCall(fresh, COMPAT, 'getAllOidcProviders')).toBe(one);
    expect(await rawCall(fresh, STRICT, 'getAllOidcProviders')).toBe(one);
    const get = '{"jsonrpc":"2.0","result":{"id":1,"identifier":"Telekom","client_id":"","discovery_url":""},"id":4}';
    expect((await fresh.call(COMPAT, '{"jsonrpc":"2.0","method":"getOidcProvider","params":[1],"id":4}')).text).toBe(get);
    expect((await fresh.call(STRICT, '{"jsonrpc":"2.0","method":"getOidcProvider","params":{"provider_id":1},"id":4}')).text).toBe(get);

    expect(await create(fresh, { identifier: 'a-second', client_id: 'roster', discovery_url: DISCOVERY })).toBe(2);
    expect(await create(fresh, ['B.third'])).toBe(3);
    await expectBoth(fresh, 'getAllOidcProviders', [], [provider(1, 'Telekom'), provider(2, 'a-second', 'roster', DISCOVERY), provider(3, 'B.third')]);

    // by id, not by identifier, also after a removal and a re-creation
    expect(await rawCall(fresh, STRICT, 'removeOidcProvider', [1])).toBe(ok(true));
    expect(await create(fresh, ['Telekom'])).toBe(4);
    await expectBoth(fresh, 'getAllOidcProviders', undefined, [provider(2, 'a-second', 'roster', DISCOVERY), provider(3, 'B.third'), provider(4, 'Telekom')]);
  });

  test('case 21 (after the test above, Telekom exists): its users survive with oidc_provider_id NULL; a new provider of the same identifier does not re-link them', async () => {
    const own = fresh;
    const telekom = (await providerRows(own)).find((r) => r.identifier === 'Telekom')!.id;
    const other = await create(own, ['other-idp']);
    const post = (providerSegment: string, username: string) =>
      request(own.app)
        .post(`/apps/nmcuser_oidc/api/1.1/nmcusers/${providerSegment}`)
        .auth(ADMIN.username, ADMIN.password)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ username, displayname: 'U' }));
    const created = await post('telekom', 'u1');
    expect([created.status, created.text]).toEqual([200, '{"id":"u1"}']);
    expect((await post('other-idp', 'u2')).status).toBe(200);
    const linked = await own.knex('users').where({ username: 'u1' }).first('id', 'oidc_provider_id', 'oidc_subject', 'is_oidc_user');
    expect({ ...linked, oidc_provider_id: Number(linked.oidc_provider_id) }).toMatchObject({ oidc_provider_id: telekom, oidc_subject: 'u1', is_oidc_user: true });
    const userId = Number(linked.id);
    const minted = await request(own.app).get('/apps/nmcuser_oidc/api/1.1/token/telekom/u1').auth(ADMIN.username, ADMIN.password);
    expect(minted.status).toBe(200);
    const token = (JSON.parse(minted.text) as { token: string }).token;
    expect(token).toMatch(/^[A-Za-z0-9]{72}$/);

    expect(await rawCall(own, STRICT, 'removeOidcProvider', [telekom])).toBe(ok(true));

    const after = await own.knex('users').where({ id: userId }).first('username', 'oidc_provider_id', 'oidc_subject', 'is_oidc_user', 'is_active');
    expect(after).toEqual({ username: 'u1', oidc_provider_id: null, oidc_subject: 'u1', is_oidc_user: true, is_active: true });
    // the other provider's user keeps its link
    const u2 = await own.knex('users').where({ username: 'u2' }).first('oidc_provider_id');
    expect(Number(u2.oidc_provider_id)).toBe(other);
    // still managed by JSON-RPC
    expect(JSON.parse(await rawCall(own, STRICT, 'getUser', [userId])).result).toMatchObject({ id: userId, username: 'u1', is_active: true });
    // its app password still works, and OCS still shows it (backend user_oidc)
    const me = await own.call(STRICT, { jsonrpc: '2.0', method: 'getMe', id: 1 }, ['u1', token]);
    expect([me.status, JSON.parse(me.text).result?.username]).toEqual([200, 'u1']);
    const ocs = await request(own.app).get('/ocs/v2.php/cloud/users/u1?format=json').auth(ADMIN.username, ADMIN.password).set('OCS-APIRequest', 'true');
    expect(ocs.status).toBe(200);
    expect(JSON.parse(ocs.text).ocs.data).toMatchObject({ id: 'u1', backend: 'user_oidc' });
    const gone = await request(own.app).get('/apps/nmcuser_oidc/api/1.1/nmcusers/telekom/u1').auth(ADMIN.username, ADMIN.password);
    expect([gone.status, gone.text]).toEqual([404, '{"message":"No oidc provider telekom"}']);

    const again = await create(own, ['Telekom']);
    expect(again).not.toBe(telekom);
    expect((await own.knex('users').where({ id: userId }).first('oidc_provider_id')).oidc_provider_id).toBeNull();
    const notRelinked = await request(own.app).get('/apps/nmcuser_oidc/api/1.1/nmcusers/telekom/u1').auth(ADMIN.username, ADMIN.password);
    expect([notRelinked.status, notRelinked.text]).toEqual([404, '{"message":"No user u1, id=u1"}']);
    const list = await request(own.app).get('/apps/nmcuser_oidc/api/1.1/nmcusers/telekom').auth(ADMIN.username, ADMIN.password);
    expect([list.status, list.text]).toEqual([200, '[]']);
  });

  test('getAllOidcProviders takes no params', async () => {
    expect(await rawCall(fresh, COMPAT, 'getAllOidcProviders', ['x'])).toBe(COMPAT_WRONG('Too many arguments', '1'));
    expect(await rawCall(fresh, STRICT, 'getAllOidcProviders', { x: 1 })).toBe(
      err(invalidParams({ instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' })),
    );
  });
});

describe('createOidcProvider', () => {
  test('named and positional at both endpoints; defaults "" and ""; returns the new integer id; the row', async () => {
    const ids: number[] = [];
    for (const [endpoint, params] of [
      [COMPAT, { identifier: 'named-compat' }],
      [STRICT, { identifier: 'named-strict' }],
      [COMPAT, ['positional-compat']],
      [STRICT, ['positional-strict']],
    ] as const) {
      const body = JSON.parse(await rawCall(t, endpoint, 'createOidcProvider', params));
      expect(Object.keys(body)).toEqual(['jsonrpc', 'result', 'id']);
      expect(Number.isInteger(body.result)).toBe(true);
      ids.push(body.result as number);
    }
    expect(ids).toEqual([ids[0], ids[0] + 1, ids[0] + 2, ids[0] + 3]);
    expect(await providerRow(t, ids[0])).toEqual(provider(ids[0], 'named-compat'));
    expect(await providerRow(t, ids[1])).toEqual(provider(ids[1], 'named-strict'));
    expect(await providerRow(t, ids[2])).toEqual(provider(ids[2], 'positional-compat'));
    expect(await providerRow(t, ids[3])).toEqual(provider(ids[3], 'positional-strict'));
    await expectBoth(t, 'getOidcProvider', [ids[3]], provider(ids[3], 'positional-strict'));
  });

  test('all three fields, named and positional; the identifier is stored as given', async () => {
    const a = await create(t, { identifier: 'Full', client_id: 'roster-client', discovery_url: DISCOVERY });
    expect(await providerRow(t, a)).toEqual(provider(a, 'Full', 'roster-client', DISCOVERY));
    const b = JSON.parse(await rawCall(t, COMPAT, 'createOidcProvider', ['FullPos', 'cid', 'http://idp.example:8080/x'])).result;
    expect(await providerRow(t, b)).toEqual(provider(b, 'FullPos', 'cid', 'http://idp.example:8080/x'));
    const c = await create(t, { discovery_url: DISCOVERY, identifier: 'KeyOrder' });
    expect(await providerRow(t, c)).toEqual(provider(c, 'KeyOrder', '', DISCOVERY));
    await expectBoth(t, 'getOidcProvider', { provider_id: String(a) }, provider(a, 'Full', 'roster-client', DISCOVERY));
  });

  test.each([
    ['x'.repeat(128)],
    ['Tele.kom_-1'],
    ['a'],
    ['1a'],
    ['0.1'],
    ['-'],
    ['_'],
    ['.'],
  ])('identifier %j is valid', async (identifier) => {
    const id = JSON.parse(await rawCall(t, COMPAT, 'createOidcProvider', [identifier])).result;
    expect(typeof id).toBe('number');
    expect(await providerRow(t, id)).toEqual(provider(id, identifier));
  });

  test.each([
    ['', [fieldError('minLength', 'must NOT have fewer than 1 characters'), PATTERN]],
    ['y'.repeat(129), [fieldError('maxLength', 'must NOT have more than 128 characters')]],
    ['a b', [PATTERN]],
    ['a/b', [PATTERN]],
    ['ü', [PATTERN]],
    ['Telekom ', [PATTERN]],
    ['a\nb', [PATTERN]],
    ['123', [ALL_DIGITS]],
    ['0', [ALL_DIGITS]],
  ])('identifier %j → false / -32602; nothing stored', async (identifier, errors) => {
    const before = await providerRows(t);
    await expectFailure(t, 'createOidcProvider', { identifier }, false, invalidParams(...errors));
    await expectFailure(t, 'createOidcProvider', [identifier], false, invalidParams(...errors));
    expect(await providerRows(t)).toEqual(before);
  });

  test('compat turns numbers into their decimal text (so 123 is all digits → false); strict refuses numbers', async () => {
    expect(await rawCall(t, COMPAT, 'createOidcProvider', [123])).toBe(ok(false));
    const id = JSON.parse(await rawCall(t, COMPAT, 'createOidcProvider', ['numeric-client', 42])).result;
    expect(await providerRow(t, id)).toEqual(provider(id, 'numeric-client', '42'));
    expect(await rawCall(t, STRICT, 'createOidcProvider', ['numeric-client-2', 42])).toBe(
      err(invalidParams(fieldError('type', 'must be string', '/client_id'))),
    );
  });

  test('a non-string identifier (null, array, number) → false / -32602 keyword type only (contract §2.3); nothing stored', async () => {
    const before = await providerRows(t);
    for (const identifier of [null, ['a'], 123, true]) {
      expect(await rawCall(t, COMPAT, 'createOidcProvider', { identifier })).toBe(ok(false));
    }
    // Regression: the all-digits rule applies to strings only, so a non-string identifier gets just the
    // `type` error, as every other string parameter does (contract §2.3: strict -32602, keyword type).
    for (const identifier of [null, ['a'], 123, true]) {
      expect(await rawCall(t, STRICT, 'createOidcProvider', { identifier })).toBe(err(invalidParams(fieldError('type', 'must be string'))));
    }
    expect(await providerRows(t)).toEqual(before);
  });

  test('client_id: 255 characters ok; 256 → false / -32602', async () => {
    const id = await create(t, { identifier: 'client-255', client_id: 'c'.repeat(255) });
    expect((await providerRow(t, id))!.client_id).toBe('c'.repeat(255));
    const before = await providerRows(t);
    await expectFailure(
      t,
      'createOidcProvider',
      { identifier: 'client-256', client_id: 'c'.repeat(256) },
      false,
      invalidParams(fieldError('maxLength', 'must NOT have more than 255 characters', '/client_id')),
    );
    expect(await providerRows(t)).toEqual(before);
  });

  test.each([
    ['ftp://x', [URL_FORMAT]],
    ['not a url', [URL_FORMAT]],
    ['login.example.com/.well-known/openid-configuration', [URL_FORMAT]],
    ['https://', [URL_FORMAT]],
    ['javascript:alert(1)', [URL_FORMAT]],
    [`https://login.example.com/${'p'.repeat(2049 - 'https://login.example.com/'.length)}`, [fieldError('maxLength', 'must NOT have more than 2048 characters', '/discovery_url')]],
    [5, [fieldError('type', 'must be string', '/discovery_url')]],
  ])('discovery_url %j → false / -32602; nothing stored', async (discovery_url, errors) => {
    const before = await providerRows(t);
    // compat: a number becomes its text (§2.2) and then breaks the format; the failure value is the same
    expect(await rawCall(t, COMPAT, 'createOidcProvider', { identifier: 'bad-url', discovery_url })).toBe(ok(false));
    expect(await rawCall(t, STRICT, 'createOidcProvider', { identifier: 'bad-url', discovery_url })).toBe(err(invalidParams(...errors)));
    expect(await providerRows(t)).toEqual(before);
  });

  test('discovery_url: "", the documented example, http and exactly 2048 characters are valid', async () => {
    const long = `https://login.example.com/${'p'.repeat(2048 - 'https://login.example.com/'.length)}`;
    expect(long).toHaveLength(2048);
    for (const [identifier, discovery_url] of [
      ['url-empty', ''],
      ['url-example', DISCOVERY],
      ['url-http', 'http://localhost:8080/realms/x/.well-known/openid-configuration'],
      ['url-upper', 'HTTPS://LOGIN.EXAMPLE.COM/'],
      ['url-2048', long],
      // 2048 characters, one outside the BMP: maxLength counts characters (code points)
      ['url-astral', `https://login.example.com/\u{1F600}${'p'.repeat(2048 - 27)}`],
    ]) {
      const id = await create(t, { identifier, discovery_url });
      expect(await providerRow(t, id)).toEqual(provider(id, identifier, '', discovery_url));
    }
  });

  test('null for client_id or discovery_url is invalid (not nullable, contract §2.3)', async () => {
    const before = await providerRows(t);
    await expectFailure(t, 'createOidcProvider', { identifier: 'null-client', client_id: null }, false, invalidParams(fieldError('type', 'must be string', '/client_id')));
    await expectFailure(t, 'createOidcProvider', ['null-url', '', null], false, invalidParams(fieldError('type', 'must be string', '/discovery_url')));
    expect(await providerRows(t)).toEqual(before);
  });

  test('NUL in client_id or discovery_url → false / -32602 keyword nul, never an internal error; nothing stored', async () => {
    const before = await providerRows(t);
    const nul = (field: string) => invalidParams({ instancePath: `/${field}`, keyword: 'nul', message: 'must not contain NUL characters' });
    await expectFailure(t, 'createOidcProvider', { identifier: 'nul-client', client_id: 'a\u0000b' }, false, nul('client_id'));
    await expectFailure(t, 'createOidcProvider', ['nul-url', '', 'https://login.example.com/\u0000'], false, nul('discovery_url'));
    expect(await providerRows(t)).toEqual(before);
  });

  test('binding: compat Kanboard strings; strict ajv details', async () => {
    expect(await rawCall(t, COMPAT, 'createOidcProvider', [])).toBe(COMPAT_WRONG('Wrong number of arguments', '1'));
    expect(await rawCall(t, COMPAT, 'createOidcProvider')).toBe(COMPAT_WRONG('Wrong number of arguments', '1'));
    expect(await rawCall(t, COMPAT, 'createOidcProvider', ['a', 'b', '', 'd'])).toBe(COMPAT_WRONG('Too many arguments', '1'));
    expect(await rawCall(t, COMPAT, 'createOidcProvider', { client_id: 'x' })).toBe(COMPAT_WRONG('Missing argument: identifier', '1'));
    expect(await rawCall(t, STRICT, 'createOidcProvider', { client_id: 'x' })).toBe(
      err(invalidParams({ instancePath: '', keyword: 'required', message: "must have required property 'identifier'" })),
    );
    expect(await rawCall(t, STRICT, 'createOidcProvider', [])).toBe(
      err(invalidParams({ instancePath: '', keyword: 'required', message: "must have required property 'identifier'" })),
    );
    expect(await rawCall(t, STRICT, 'createOidcProvider', ['a', 'b', '', 'd'])).toBe(
      err(invalidParams({ instancePath: '', keyword: 'maxItems', message: 'must NOT have more than 3 items' })),
    );
    expect(await rawCall(t, STRICT, 'createOidcProvider', { identifier: 'unknown-key', secret: 'x' })).toBe(
      err(invalidParams({ instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' })),
    );
    expect((await providerRows(t)).some((r) => r.identifier === 'unknown-key')).toBe(false);
    // compat ignores an unknown key once the count check passed (§2.1 rule 4)
    const id = JSON.parse(await rawCall(t, COMPAT, 'createOidcProvider', { identifier: 'unknown-key', secret: 'x' })).result;
    expect(await providerRow(t, id)).toEqual(provider(id, 'unknown-key'));
  });

  test('compat matches the method name ignoring case; strict does not', async () => {
    const id = JSON.parse(await rawCall(t, COMPAT, 'CREATEOIDCPROVIDER', ['upper-method'])).result;
    expect(await providerRow(t, id)).toEqual(provider(id, 'upper-method'));
    expect(await rawCall(t, STRICT, 'createoidcprovider', ['lower-method'])).toBe(STRICT_METHOD_NOT_FOUND('1'));
  });

  test('case 20: an identifier taken ignoring case → false / -32002 {resource: oidc_provider, field: identifier}', async () => {
    const telekom = await create(t, ['Telekom']);
    const before = await providerRows(t);
    await expectFailure(t, 'createOidcProvider', ['telekom'], false, alreadyExists('oidc_provider', 'identifier'));
    await expectFailure(t, 'createOidcProvider', { identifier: 'Telekom' }, false, alreadyExists('oidc_provider', 'identifier'));
    await expectFailure(t, 'createOidcProvider', { identifier: 'TELEKOM', client_id: 'other', discovery_url: DISCOVERY }, false, alreadyExists('oidc_provider', 'identifier'));
    expect((await t.call(STRICT, '{"jsonrpc":"2.0","method":"createOidcProvider","params":["telekom"],"id":20}')).text).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32002,"message":"Already exists","data":{"reason":"already_exists","resource":"oidc_provider","field":"identifier"}},"id":20}',
    );
    expect((await t.call(COMPAT, '{"jsonrpc":"2.0","method":"createOidcProvider","params":["telekom"],"id":20}')).text).toBe(
      '{"jsonrpc":"2.0","result":false,"id":20}',
    );
    expect(await providerRows(t)).toEqual(before);
    expect(await providerRow(t, telekom)).toEqual(provider(telekom, 'Telekom'));
  });

  test('10 parallel creates of Same/same/SAME at both endpoints: exactly one id, the others already exist, no 5xx', async () => {
    const spellings = ['Same', 'same', 'SAME', 'Same', 'same', 'SAME', 'Same', 'same', 'SAME', 'sAmE'];
    const responses = await Promise.all(
      spellings.map((identifier, i) =>
        t.call(i % 2 === 0 ? COMPAT : STRICT, { jsonrpc: '2.0', method: 'createOidcProvider', params: [identifier], id: i + 1 }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const created = responses.filter((r) => typeof JSON.parse(r.text).result === 'number');
    expect(created).toHaveLength(1);
    responses.forEach((r, i) => {
      if (r === created[0]) return;
      if (i % 2 === 0) expect(r.text).toBe(ok(false, i + 1));
      else expect(r.text).toBe(err(alreadyExists('oidc_provider', 'identifier'), i + 1));
    });
    const rows = (await providerRows(t)).filter((r) => r.identifier.toLowerCase() === 'same');
    expect(rows).toEqual([provider(JSON.parse(created[0].text).result, rows[0].identifier)]);
  });
});

describe('getOidcProvider', () => {
  test('found: the provider object at both endpoints, id as integer or digit string', async () => {
    const id = await create(t, { identifier: 'Readable', client_id: 'r', discovery_url: DISCOVERY });
    const expected = provider(id, 'Readable', 'r', DISCOVERY);
    await expectBoth(t, 'getOidcProvider', [id], expected);
    await expectBoth(t, 'getOidcProvider', { provider_id: id }, expected);
    await expectBoth(t, 'getOidcProvider', [String(id)], expected);
    expect(Object.keys(JSON.parse(await rawCall(t, STRICT, 'getOidcProvider', [id])).result)).toEqual(['id', 'identifier', 'client_id', 'discovery_url']);
  });

  test('missing → null / -32001 {resource: oidc_provider, id}', async () => {
    await expectFailure(t, 'getOidcProvider', [9999], null, notFound('oidc_provider', 9999));
    await expectFailure(t, 'getOidcProvider', { provider_id: '9999' }, null, notFound('oidc_provider', 9999));
    await expectFailure(t, 'getOidcProvider', [2147483647], null, notFound('oidc_provider', 2147483647));
    expect((await t.call(STRICT, '{"jsonrpc":"2.0","method":"getOidcProvider","params":[9999],"id":22}')).text).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32001,"message":"Not found","data":{"reason":"not_found","resource":"oidc_provider","id":9999}},"id":22}',
    );
  });

  test.each([
    [0, idError('minimum', 'must be >= 1')],
    [-1, idError('minimum', 'must be >= 1')],
    ['0', idError('minimum', 'must be >= 1')],
    ['x', idError('pattern', 'must match pattern "^[0-9]{1,10}$"')],
    [2147483648, idError('maximum', 'must be <= 2147483647')],
    [2.5, idError('type', 'must be integer,string')],
    [true, idError('type', 'must be integer,string')],
    [null, idError('type', 'must be integer,string')],
  ])('bad id %j → null / -32602', async (providerId, error) => {
    await expectFailure(t, 'getOidcProvider', [providerId], null, error);
    await expectFailure(t, 'getOidcProvider', { provider_id: providerId }, null, error);
  });

  test('binding', async () => {
    expect(await rawCall(t, COMPAT, 'getOidcProvider', [])).toBe(COMPAT_WRONG('Wrong number of arguments', '1'));
    expect(await rawCall(t, COMPAT, 'getOidcProvider', [1, 2])).toBe(COMPAT_WRONG('Too many arguments', '1'));
    expect(await rawCall(t, COMPAT, 'getOidcProvider', { id: 1 })).toBe(COMPAT_WRONG('Missing argument: provider_id', '1'));
    expect(await rawCall(t, STRICT, 'getOidcProvider', { id: 1 })).toBe(
      err(
        invalidParams(
          { instancePath: '', keyword: 'required', message: "must have required property 'provider_id'" },
          { instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' },
        ),
      ),
    );
  });
});

describe('removeOidcProvider', () => {
  test('true; then missing → false / -32001; other providers stay', async () => {
    const keep = await create(t, ['keep-me']);
    const a = await create(t, ['remove-compat']);
    const b = await create(t, ['remove-strict']);
    expect(await rawCall(t, COMPAT, 'removeOidcProvider', [a])).toBe(ok(true));
    expect(await rawCall(t, STRICT, 'removeOidcProvider', { provider_id: String(b) })).toBe(ok(true));
    expect(await providerRow(t, a)).toBeUndefined();
    expect(await providerRow(t, b)).toBeUndefined();
    expect(await providerRow(t, keep)).toEqual(provider(keep, 'keep-me'));
    await expectFailure(t, 'removeOidcProvider', [a], false, notFound('oidc_provider', a));
    await expectFailure(t, 'removeOidcProvider', { provider_id: 9999 }, false, notFound('oidc_provider', 9999));
    await expectFailure(t, 'getOidcProvider', [b], null, notFound('oidc_provider', b));
  });

  test('bad id → false / -32602', async () => {
    await expectFailure(t, 'removeOidcProvider', [0], false, idError('minimum', 'must be >= 1'));
    await expectFailure(t, 'removeOidcProvider', { provider_id: -1 }, false, idError('minimum', 'must be >= 1'));
    await expectFailure(t, 'removeOidcProvider', ['x'], false, idError('pattern', 'must match pattern "^[0-9]{1,10}$"'));
    expect(await rawCall(t, COMPAT, 'removeOidcProvider', [])).toBe(COMPAT_WRONG('Wrong number of arguments', '1'));
  });
});

describe('access', () => {
  test('app token: allowed (every other test of this file)', async () => {
    expect(JSON.parse(await rawCall(t, COMPAT, 'getAllOidcProviders')).result).toEqual(expect.any(Array));
  });

  test('user mode app-admin: allowed for all four procedures, at both endpoints', async () => {
    const callAs = async (endpoint: typeof COMPAT, method: string, params: unknown) => {
      const res = await t.call(endpoint, { jsonrpc: '2.0', method, params, id: 5 }, ADMIN_CREDENTIALS);
      expect(res.status).toBe(200);
      return JSON.parse(res.text);
    };
    const id = (await callAs(COMPAT, 'createOidcProvider', ['by-admin-user'])).result;
    expect(typeof id).toBe('number');
    const strictId = (await callAs(STRICT, 'createOidcProvider', { identifier: 'by-admin-user-strict' })).result;
    expect(await callAs(STRICT, 'getOidcProvider', [id])).toEqual({ jsonrpc: '2.0', result: provider(id, 'by-admin-user'), id: 5 });
    expect(await callAs(COMPAT, 'getOidcProvider', [strictId])).toEqual({ jsonrpc: '2.0', result: provider(strictId, 'by-admin-user-strict'), id: 5 });
    expect((await callAs(COMPAT, 'getAllOidcProviders', [])).result).toEqual(expect.arrayContaining([provider(id, 'by-admin-user')]));
    expect(await callAs(STRICT, 'removeOidcProvider', [id])).toEqual({ jsonrpc: '2.0', result: true, id: 5 });
    expect(await callAs(COMPAT, 'removeOidcProvider', [strictId])).toEqual({ jsonrpc: '2.0', result: true, id: 5 });
  });

  test.each([
    ['app-manager', MANAGER],
    ['app-user', PLAIN],
  ])('user mode %s: 403 / -32003 app-admin for all four; nothing changes', async (_role, credentials) => {
    const existing = await create(t, [`target-${credentials[0]}`]);
    const before = await providerRows(t);
    for (const [method, params] of [
      ['createOidcProvider', [`denied-${credentials[0]}`]],
      ['getAllOidcProviders', []],
      ['getOidcProvider', [existing]],
      ['removeOidcProvider', [existing]],
      // access precedes binding: wrong params are still 403
      ['createOidcProvider', []],
      ['getOidcProvider', ['x']],
    ] as const) {
      await expectDenied(t, method, params, credentials);
    }
    expect(await providerRows(t)).toEqual(before);
  });

  test('compat whole-batch rule: an app-user batch with a provider call is refused whole; nothing runs', async () => {
    const before = await providerRows(t);
    const res = await t.call(
      COMPAT,
      [
        { jsonrpc: '2.0', method: 'getVersion', id: 1 },
        { jsonrpc: '2.0', method: 'createOidcProvider', params: ['batch-denied'], id: 2 },
      ],
      PLAIN,
    );
    expect([res.status, res.text]).toEqual([403, '{"jsonrpc":"2.0","error":{"code":403,"message":"Forbidden"},"id":null}']);
    expect(await providerRows(t)).toEqual(before);
  });

  test('unauthenticated → 401 at both endpoints; nothing runs', async () => {
    const before = await providerRows(t);
    const body = { jsonrpc: '2.0', method: 'createOidcProvider', params: ['anonymous'], id: 1 };
    expect((await t.call(COMPAT, body, 'none')).status).toBe(401);
    expect((await t.call(STRICT, body, 'none')).status).toBe(401);
    expect((await t.call(STRICT, body, [ADMIN.username, 'wrong'])).status).toBe(401);
    expect(await providerRows(t)).toEqual(before);
  });
});

describe('rpc.discover and /openrpc.json', () => {
  interface Method {
    name: string;
    params: { name: string; required: boolean; schema: Record<string, unknown>; description?: string }[];
    result: { name: string; schema: unknown };
    errors: { code: number; message: string }[];
    'x-access': unknown;
  }
  let methods: Method[];
  beforeAll(async () => {
    methods = ((await t.rpc(STRICT, 'rpc.discover')).result as { methods: Method[] }).methods;
  });
  const method = (name: string) => methods.find((m) => m.name === name)!;

  test('the four procedures are listed with their params in positional order and app-admin access', () => {
    expect(method('createOidcProvider').params.map((p) => [p.name, p.required])).toEqual([
      ['identifier', true],
      ['client_id', false],
      ['discovery_url', false],
    ]);
    expect(method('getAllOidcProviders').params).toEqual([]);
    expect(method('getOidcProvider').params.map((p) => [p.name, p.required])).toEqual([['provider_id', true]]);
    expect(method('removeOidcProvider').params.map((p) => [p.name, p.required])).toEqual([['provider_id', true]]);
    for (const name of PROVIDER_PROCEDURES) expect(method(name)['x-access']).toEqual({ app: true, user: 'app-admin' });
  });

  test('the embedded schemas are the ones ajv compiled (identifier rules, defaults, id schema)', () => {
    const validator = createValidator(registry);
    for (const name of PROVIDER_PROCEDURES) {
      const compiled = validator.schemaOf(name) as { properties?: Record<string, unknown> };
      for (const param of method(name).params) expect(param.schema).toEqual(compiled.properties![param.name]);
    }
    const [identifier, clientId, discoveryUrl] = method('createOidcProvider').params.map((p) => p.schema);
    expect(identifier).toMatchObject({ type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$', not: { pattern: '^[0-9]+$' } });
    expect(clientId).toMatchObject({ type: 'string', maxLength: 255, default: '' });
    expect(discoveryUrl).toMatchObject({ type: 'string', maxLength: 2048, default: '' });
    expect(method('getOidcProvider').params[0].schema).toMatchObject({ type: ['integer', 'string'], minimum: 1, maximum: 2147483647, pattern: '^[0-9]{1,10}$' });
  });

  test('errors: already exists for create, not found for get/remove, forbidden for all', () => {
    const codes = (name: string) => method(name).errors.map((e) => e.code);
    expect(codes('createOidcProvider')).toEqual(expect.arrayContaining([-32602, -32002, -32003, -32004, -32603]));
    expect(codes('getOidcProvider')).toEqual(expect.arrayContaining([-32602, -32001, -32003]));
    expect(codes('removeOidcProvider')).toEqual(expect.arrayContaining([-32602, -32001, -32003]));
    expect(codes('getAllOidcProviders')).toEqual(expect.arrayContaining([-32003, -32004]));
  });

  test('GET /openrpc.json is the same document', async () => {
    const open = await request(t.app).get('/openrpc.json');
    expect(open.status).toBe(200);
    expect(open.body.methods).toEqual(methods);
  });

  test('the nmcuser_oidc-only procedures are not listed', () => {
    const names = methods.map((m) => m.name);
    for (const name of OIDC_ONLY) expect(names).not.toContain(name);
    expect(names.filter((n) => n.toLowerCase().startsWith('oidc'))).toEqual([]);
  });
});

describe('the nmcuser_oidc-only procedures are not callable over JSON-RPC', () => {
  test.each(OIDC_ONLY)('%s → -32601 at both endpoints, app token and admin user, any case at compat', async (name) => {
    const body = (method: string) => ({ jsonrpc: '2.0', method, params: { provider: 'telekom', username: 'x', displayname: 'x' }, id: 3 });
    for (const auth of ['app', ADMIN_CREDENTIALS] as const) {
      const compat = await t.call(COMPAT, body(name), auth);
      expect([compat.status, compat.text]).toEqual([200, COMPAT_METHOD_NOT_FOUND('3')]);
      const folded = await t.call(COMPAT, body(name.toUpperCase()), auth);
      expect([folded.status, folded.text]).toEqual([200, COMPAT_METHOD_NOT_FOUND('3')]);
      const strict = await t.call(STRICT, body(name), auth);
      expect([strict.status, strict.text]).toEqual([200, STRICT_METHOD_NOT_FOUND('3')]);
    }
    // an app-user gets -32601 too (method resolution precedes access), not 403
    const asPlain = await t.call(COMPAT, body(name), PLAIN);
    expect([asPlain.status, asPlain.text]).toEqual([200, COMPAT_METHOD_NOT_FOUND('3')]);
  });
});

describe('nmcuser_oidc disabled (§10): the provider procedures keep working', () => {
  test('disable via OCS, then create, read and remove over JSON-RPC', async () => {
    const disable = await request(t.app).delete('/ocs/v1.php/cloud/apps/nmcuser_oidc?format=json').auth(ADMIN.username, ADMIN.password).set('OCS-APIRequest', 'true');
    expect(disable.status).toBe(200);
    try {
      const id = await create(t, ['while-disabled']);
      await expectBoth(t, 'getOidcProvider', [id], provider(id, 'while-disabled'));
      expect(await rawCall(t, COMPAT, 'removeOidcProvider', [id])).toBe(ok(true));
    } finally {
      const enable = await request(t.app).post('/ocs/v1.php/cloud/apps/nmcuser_oidc?format=json').auth(ADMIN.username, ADMIN.password).set('OCS-APIRequest', 'true');
      expect(enable.status).toBe(200);
    }
  });
});

describe('OIDC_PROVIDERS seeding (§9.3)', () => {
  const passwords = createPasswordService({ cost: 4, concurrency: 2 });
  /** What main.ts does at a later start on the same database. */
  const restart = (app: TestApp, value: string) =>
    bootstrap(app.knex, {
      adminUsername: ADMIN.username,
      adminPassword: ADMIN.password,
      apiToken: app.config.apiToken,
      passwords,
      now: Math.floor(Date.now() / 1000),
      oidcProviders: loadConfig({ OIDC_PROVIDERS: value }).oidcProviders,
    });

  test('Telekom,o2 → both exist after start, by id', async () => {
    const seeded = await startTestApp({ env: { OIDC_PROVIDERS: 'Telekom,o2' } });
    try {
      await expectBoth(seeded, 'getAllOidcProviders', [], [provider(1, 'Telekom'), provider(2, 'o2')]);
    } finally {
      await seeded.close();
    }
  });

  test('a JSON array seeds client_id and discovery_url; a later start with TELEKOM,o3 adds only o3, Telekom unchanged, unlisted o2 stays', async () => {
    const value = JSON.stringify([{ identifier: 'Telekom', client_id: 'roster', discovery_url: DISCOVERY }, { identifier: 'o2' }]);
    const first = await startTestApp({ env: { OIDC_PROVIDERS: value } });
    try {
      await expectBoth(first, 'getAllOidcProviders', [], [provider(1, 'Telekom', 'roster', DISCOVERY), provider(2, 'o2')]);

      // startTestApp does not bootstrap a shared database, so the later start runs bootstrap as main.ts does
      expect(await restart(first, 'TELEKOM,o3')).toEqual({});
      const rows = await providerRows(first);
      expect(rows.map((r) => r.identifier)).toEqual(['Telekom', 'o2', 'o3']);
      const o3 = rows[2].id; // a conflicting seed may consume a sequence value, so o3 need not be 3
      expect(o3).toBeGreaterThan(2);
      const expected = [provider(1, 'Telekom', 'roster', DISCOVERY), provider(2, 'o2'), provider(o3, 'o3')];
      expect(rows).toEqual(expected);

      // a second instance on the same database sees the same providers
      const second = await startTestApp({ db: first.db, env: { OIDC_PROVIDERS: 'TELEKOM,o3' } });
      try {
        await expectBoth(second, 'getAllOidcProviders', [], expected);
      } finally {
        await second.close();
      }

      // other fields for an existing identifier change nothing; unlisted providers are never removed
      await restart(first, JSON.stringify([{ identifier: 'telekom', client_id: 'changed', discovery_url: 'https://other.example/' }]));
      await restart(first, 'o3');
      await restart(first, '');
      await expectBoth(first, 'getAllOidcProviders', [], expected);
    } finally {
      await first.close();
    }
  });

  test('duplicates in the list, a provider created over JSON-RPC, and concurrent starts: no error, one row per identifier', async () => {
    const app = await startTestApp({ env: { OIDC_PROVIDERS: 'Dup,dup,DUP' } });
    try {
      expect(await providerRows(app)).toEqual([provider(1, 'Dup')]);
      const manual = await create(app, { identifier: 'Manual', client_id: 'mine' });
      await restart(app, 'MANUAL,seeded');
      await Promise.all([restart(app, 'x1,Dup,x2'), restart(app, 'X2,x1,dup'), restart(app, 'x1,seeded')]);
      const rows = await providerRows(app);
      expect(rows.map((r) => r.identifier.toLowerCase()).sort()).toEqual(['dup', 'manual', 'seeded', 'x1', 'x2']);
      expect(rows.slice(0, 2)).toEqual([provider(1, 'Dup'), provider(manual, 'Manual', 'mine')]);
      // and the JSON-RPC create of a seeded identifier is a duplicate
      await expectFailure(app, 'createOidcProvider', ['Seeded'], false, alreadyExists('oidc_provider', 'identifier'));
    } finally {
      await app.close();
    }
  });

  test('the real start path (src/main.ts start): a first start seeds, a second start on the same database adds only the missing ones', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-oidc-seed-'));
    const postgres = testDatabaseKind() === 'postgres' ? await createTestDatabase() : undefined;
    const logs: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk, _enc, done) => done(void logs.push(String(chunk))) }));
    const configFor = (value: string) =>
      loadConfig({
        API_TOKEN,
        ADMIN_PASSWORD: ADMIN.password,
        PORT: '0',
        DATA_DIR: dataDir,
        OIDC_PROVIDERS: value,
        ...(postgres ? { DATABASE_URL: postgres.url! } : {}),
      });
    /** start() prints first-start facts on stdout (main.ts announceSecrets): captured, not shown. */
    const printed: string[] = [];
    const quietStart = async (config: ReturnType<typeof configFor>) => {
      const write = process.stdout.write;
      process.stdout.write = ((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0) as typeof process.stdout.write;
      try {
        return await start(config, logger);
      } finally {
        process.stdout.write = write;
      }
    };
    const list = async (server: import('node:http').Server) => {
      const { port } = server.address() as AddressInfo;
      const res = await request(`http://127.0.0.1:${port}`)
        .post('/rpc')
        .auth('jsonrpc', API_TOKEN)
        .set('Content-Type', 'application/json')
        .send('{"jsonrpc":"2.0","method":"getAllOidcProviders","id":1}');
      return JSON.parse(res.text).result as ProviderRow[];
    };
    try {
      const first = await quietStart(configFor(JSON.stringify([{ identifier: 'Telekom', client_id: 'roster', discovery_url: DISCOVERY }, { identifier: 'o2' }])));
      try {
        expect(await list(first.server)).toEqual([provider(1, 'Telekom', 'roster', DISCOVERY), provider(2, 'o2')]);
      } finally {
        await first.stop();
      }
      expect(printed.join('')).toContain('Created the admin user "admin"');
      printed.length = 0;
      const second = await quietStart(configFor('TELEKOM,o3'));
      try {
        const providers = await list(second.server);
        expect(providers.map((p) => p.identifier)).toEqual(['Telekom', 'o2', 'o3']);
        expect(providers.slice(0, 2)).toEqual([provider(1, 'Telekom', 'roster', DISCOVERY), provider(2, 'o2')]);
        expect(providers[2]).toEqual(provider(providers[2].id, 'o3'));
        expect(printed.join('')).toBe('');
      } finally {
        await second.stop();
      }
    } finally {
      await postgres?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120000); // two real starts; on PGlite the first creates the database (initdb, migrations): long on a busy machine

  test('an invalid OIDC_PROVIDERS stops the start (startTestApp → loadConfig throws, naming the variable)', async () => {
    await expect(startTestApp({ env: { OIDC_PROVIDERS: 'Telekom,123' } })).rejects.toThrow(/OIDC_PROVIDERS/);
  });
});
