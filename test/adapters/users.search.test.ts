/** searchUsers with keyset pagination at both endpoints (§8.1, §14). */
import { startTestApp, type TestApp, type Endpoint } from '../helpers/app';
import { COMPAT, STRICT, adminObject, err, expectBoth, expectFailure, invalidParams, ok, rawCall, userObject } from '../helpers/users';

let t: TestApp;
const u: Record<string, Record<string, unknown>> = {};

async function add(username: string, extra: Record<string, unknown> = {}, active = true): Promise<void> {
  const id = await t.createUser(username, 'secret1', extra);
  if (!active) await t.knex('users').where({ id }).update({ is_active: false });
  u[username] = userObject(id, username, { ...extra, ...(active ? {} : { is_active: false }) });
}

beforeAll(async () => {
  t = await startTestApp();
  u.admin = adminObject();
  await add('biloute');
  await add('alice', { name: 'Alice Liddell', email: 'alice@wonder.land' });
  await add('ALICIA', { name: 'Alicia Keys', role: 'app-manager' });
  await add('bob_the', { name: 'Bob' });
  await add('bobXthe', { name: 'Bob X' });
  await add('pct', { name: '100% sure' });
  await add('nopct', { name: '100 sure' });
  await add('bslash', { name: 'back\\slash' });
  await add('noslash', { name: 'backslash' });
  await add('dormant', { email: 'dormant@wonder.land' }, false);
  await add('boss', { name: null, email: null, role: 'app-admin' });
});
afterAll(() => t.close());

const page = (names: string[], next_cursor: string | null = null) => ({ items: names.map((n) => u[n]), next_cursor });
const result = async (endpoint: Endpoint, params: unknown) => JSON.parse(await rawCall(t, endpoint, 'searchUsers', params)).result;
const CURSOR_ERROR = invalidParams({ instancePath: '/cursor', keyword: 'cursor', message: 'must be a cursor returned for the same filters' });
const ALL = ['admin', 'biloute', 'alice', 'ALICIA', 'bob_the', 'bobXthe', 'pct', 'nopct', 'bslash', 'noslash', 'dormant', 'boss'];

describe('results', () => {
  test('§14 example: query "BIL" at strict, byte for byte', async () => {
    const res = await t.call(STRICT, '{"jsonrpc":"2.0","method":"searchUsers","params":{"query":"BIL"},"id":9}');
    expect(u.biloute.id).toBe(2);
    expect(res.text).toBe(
      '{"jsonrpc":"2.0","result":{"items":[{"id":2,"username":"biloute","is_ldap_user":false,"name":"","email":"","google_id":null,"github_id":null,"notifications_enabled":false,"timezone":null,"language":null,"disable_login_form":false,"twofactor_activated":false,"notifications_filter":4,"nb_failed_login":0,"lock_expiration_date":0,"gitlab_id":null,"role":"app-user","is_active":true,"avatar_path":null,"filter":null,"theme":"light"}],"next_cursor":null},"id":9}',
    );
  });

  test('no params, [] and {} list everyone by id', async () => {
    await expectBoth(t, 'searchUsers', undefined, page(ALL));
    await expectBoth(t, 'searchUsers', [], page(ALL));
    await expectBoth(t, 'searchUsers', { query: '' }, page(ALL));
  });

  test('query is a case-insensitive substring of username, name or email', async () => {
    await expectBoth(t, 'searchUsers', { query: 'ali' }, page(['alice', 'ALICIA']));
    await expectBoth(t, 'searchUsers', { query: 'LIDDELL' }, page(['alice']));
    await expectBoth(t, 'searchUsers', { query: 'Wonder.Land' }, page(['alice', 'dormant']));
    await expectBoth(t, 'searchUsers', ['keys'], page(['ALICIA']));
    await expectBoth(t, 'searchUsers', { query: 'no such user' }, page([]));
  });

  test('%, _ and \\ are literal', async () => {
    await expectBoth(t, 'searchUsers', { query: '0%' }, page(['pct']));
    await expectBoth(t, 'searchUsers', { query: '%' }, page(['pct']));
    await expectBoth(t, 'searchUsers', { query: 'b_t' }, page(['bob_the']));
    await expectBoth(t, 'searchUsers', { query: '_' }, page(['bob_the']));
    await expectBoth(t, 'searchUsers', { query: 'k\\s' }, page(['bslash']));
    await expectBoth(t, 'searchUsers', { query: '\\' }, page(['bslash']));
  });

  test('role and is_active filters, alone and combined with query', async () => {
    await expectBoth(t, 'searchUsers', { role: 'app-admin' }, page(['admin', 'boss']));
    await expectBoth(t, 'searchUsers', { role: 'app-manager' }, page(['ALICIA']));
    await expectBoth(t, 'searchUsers', { is_active: false }, page(['dormant']));
    await expectBoth(t, 'searchUsers', { query: 'wonder', is_active: true }, page(['alice']));
    await expectBoth(t, 'searchUsers', ['ali', 'app-user', true], page(['alice']));
    await expectBoth(t, 'searchUsers', { role: null, is_active: null }, page(ALL));
  });

  test('compat accepts Kanboard booleans and digit strings; strict does not', async () => {
    expect(await rawCall(t, COMPAT, 'searchUsers', { is_active: '0' })).toBe(ok(page(['dormant'])));
    expect(await rawCall(t, COMPAT, 'searchUsers', { is_active: 0, limit: '5' })).toBe(ok(page(['dormant'])));
    expect(await rawCall(t, STRICT, 'searchUsers', { is_active: '0' })).toBe(
      err(invalidParams({ instancePath: '/is_active', keyword: 'type', message: 'must be boolean,null' })),
    );
    expect(await rawCall(t, STRICT, 'searchUsers', { limit: '5' })).toBe(err(invalidParams({ instancePath: '/limit', keyword: 'type', message: 'must be integer' })));
  });

  test('invalid filters → compat false, strict -32602', async () => {
    await expectFailure(t, 'searchUsers', { role: 'admin' }, false, invalidParams({ instancePath: '/role', keyword: 'enum', message: 'must be equal to one of the allowed values' }));
    await expectFailure(t, 'searchUsers', { query: 'q'.repeat(256) }, false, invalidParams({ instancePath: '/query', keyword: 'maxLength', message: 'must NOT have more than 255 characters' }));
    await expectFailure(t, 'searchUsers', { query: {} }, false, invalidParams({ instancePath: '/query', keyword: 'type', message: 'must be string' }));
    await expectFailure(t, 'searchUsers', { is_active: 'maybe' }, false, invalidParams({ instancePath: '/is_active', keyword: 'type', message: 'must be boolean,null' }));
    expect(await rawCall(t, STRICT, 'searchUsers', { nope: 1 })).toBe(
      err(invalidParams({ instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' })),
    );
    expect(await rawCall(t, COMPAT, 'searchUsers', [1, 2, 3, 4, 5, 6])).toBe(err({ code: -32602, message: 'Invalid params', data: 'Too many arguments' }));
  });
});

describe('limit', () => {
  test('1 and 500 are accepted', async () => {
    const first = await result(STRICT, { limit: 1 });
    expect(first.items).toEqual([u.admin]);
    expect(typeof first.next_cursor).toBe('string');
    await expectBoth(t, 'searchUsers', { limit: 500 }, page(ALL));
    await expectBoth(t, 'searchUsers', { limit: 12 }, page(ALL));
  });

  test('0 and -1 → compat false, strict minimum', async () => {
    await expectFailure(t, 'searchUsers', { limit: 0 }, false, invalidParams({ instancePath: '/limit', keyword: 'minimum', message: 'must be >= 1' }));
    await expectFailure(t, 'searchUsers', { limit: -1 }, false, invalidParams({ instancePath: '/limit', keyword: 'minimum', message: 'must be >= 1' }));
    await expectFailure(t, 'searchUsers', { limit: 2.5 }, false, invalidParams({ instancePath: '/limit', keyword: 'type', message: 'must be integer' }));
  });

  test('501 and 1000 → compat false, strict -32007 page_size_too_large', async () => {
    const tooLarge = { code: -32007, message: 'Limit exceeded', data: { reason: 'page_size_too_large', limit: 500 } };
    await expectFailure(t, 'searchUsers', { limit: 501 }, false, tooLarge);
    expect((await t.call(STRICT, '{"jsonrpc":"2.0","method":"searchUsers","params":{"limit":1000},"id":10}')).text).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32007,"message":"Limit exceeded","data":{"reason":"page_size_too_large","limit":500}},"id":10}',
    );
  });
});

describe('pagination', () => {
  async function walk(endpoint: Endpoint, filters: Record<string, unknown>, limit: number) {
    const pages: { items: { id: number }[]; next_cursor: string | null }[] = [];
    let cursor: string | null = null;
    do {
      const res = await result(endpoint, { ...filters, limit, cursor });
      pages.push(res);
      cursor = res.next_cursor;
      expect(pages.length).toBeLessThan(20);
    } while (cursor !== null);
    return pages;
  }

  test.each([[COMPAT], [STRICT]])('%s: limit 2 walks every user exactly once, by id', async (endpoint) => {
    const pages = await walk(endpoint, {}, 2);
    expect(pages).toHaveLength(6);
    expect(pages.flatMap((p) => p.items)).toEqual(ALL.map((n) => u[n]));
    pages.slice(0, -1).forEach((p) => {
      expect(p.items).toHaveLength(2);
      expect(typeof p.next_cursor).toBe('string');
    });
    expect(pages[pages.length - 1].next_cursor).toBeNull();
  });

  test('with filters; a last page that is exactly full has next_cursor null', async () => {
    const pages = await walk(STRICT, { query: 'b' }, 2);
    // bob_the, bobXthe, bslash, noslash ("backslash"), boss, biloute … every user with a "b"
    const expected = ALL.filter((n) => JSON.stringify([u[n].username, u[n].name, u[n].email]).toLowerCase().includes('b'));
    expect(pages.flatMap((p) => p.items)).toEqual(expected.map((n) => u[n]));
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 2]);
    expect(pages[2].next_cursor).toBeNull();
    const admins = await walk(COMPAT, { role: 'app-admin' }, 1);
    expect(admins.map((p) => p.items.map((i) => i.id))).toEqual([[1], [u.boss.id]]);
  });

  test('a cursor may be reused with another limit and across endpoints for the same filters', async () => {
    const first = await result(COMPAT, { query: 'B', is_active: '1', limit: 1 });
    expect(first.items).toEqual([u.biloute]);
    const rest = await result(STRICT, { query: 'B', is_active: true, limit: 100, cursor: first.next_cursor });
    expect(rest).toEqual(page(['bob_the', 'bobXthe', 'bslash', 'noslash', 'boss']));
  });

  test('a cursor replayed with other filters → compat false, strict cursor error', async () => {
    const { next_cursor: cursor } = await result(STRICT, { query: 'b', limit: 2 });
    expect(typeof cursor).toBe('string');
    await expectFailure(t, 'searchUsers', { query: 'bo', limit: 2, cursor }, false, CURSOR_ERROR);
    await expectFailure(t, 'searchUsers', { query: 'b', role: 'app-user', limit: 2, cursor }, false, CURSOR_ERROR);
    await expectFailure(t, 'searchUsers', { query: 'b', is_active: true, limit: 2, cursor }, false, CURSOR_ERROR);
    await expectFailure(t, 'searchUsers', { limit: 2, cursor }, false, CURSOR_ERROR);
  });

  test.each([
    ['garbage', 'not a cursor!'],
    ['empty', ''],
    ['base64 of text', Buffer.from('hello').toString('base64url')],
    ['wrong version', Buffer.from(JSON.stringify({ v: 2, after: 1, f: '00000000' })).toString('base64url')],
    ['negative id', Buffer.from(JSON.stringify({ v: 1, after: -1, f: '00000000' })).toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
  ])('a malformed cursor (%s) → compat false, strict cursor error', async (_label, cursor) => {
    await expectFailure(t, 'searchUsers', { cursor }, false, CURSOR_ERROR);
  });

  test('a cursor of the wrong type → strict type error', async () => {
    await expectFailure(t, 'searchUsers', { cursor: {} }, false, invalidParams({ instancePath: '/cursor', keyword: 'type', message: 'must be string,null' }));
  });
});

test('access: an app-user gets 403 / -32003', async () => {
  const compat = await t.call(COMPAT, { jsonrpc: '2.0', method: 'searchUsers', id: 3 }, ['biloute', 'secret1']);
  expect([compat.status, compat.text]).toEqual([403, '{"jsonrpc":"2.0","error":{"code":403,"message":"Forbidden"},"id":null}']);
  const strict = await t.call(STRICT, { jsonrpc: '2.0', method: 'searchUsers', id: 3 }, ['biloute', 'secret1']);
  expect(strict.text).toBe('{"jsonrpc":"2.0","error":{"code":-32003,"message":"Forbidden","data":{"reason":"forbidden","required":"app-admin"}},"id":3}');
});
