/** getAllGroups (byte-order listing with nb_users) and searchGroups (keyset pagination) at both endpoints (§7.2, §8.1). */
import { startTestApp, type Endpoint, type TestApp } from '../helpers/app';
import { COMPAT, STRICT, err, expectBoth, expectFailure, invalidParams, ok, rawCall } from '../helpers/users';
import { COMPAT_WRONG } from '../helpers/protocol';
import { expectDenied, groupWithCount } from '../helpers/groups';

let t: TestApp;
type Item = ReturnType<typeof groupWithCount>;
const g: Record<string, Item> = {};

/** Creates a group through the API with `members` new users; records its expected list item. */
async function add(key: string, name: string, external_id: string, members: number[]): Promise<void> {
  const id = JSON.parse(await rawCall(t, STRICT, 'createGroup', [name, external_id])).result as number;
  for (const user of members) await rawCall(t, STRICT, 'addGroupMember', [id, user]);
  g[key] = groupWithCount(id, name, members.length, external_id);
}

beforeAll(async () => {
  t = await startTestApp();
  const a = await t.createUser('a-user');
  const b = await t.createUser('b-user');
  const c = await t.createUser('c-user');
  g.admin = groupWithCount(1, 'admin', 1);
  await add('upper', 'BILOUTE', '', [a, b]);
  await add('spaced', 'Biloute B', 'cn=b', [c]);
  await add('lower', 'b', '', []);
  await add('zeta', 'Zeta', 'BIL-ext', [a, b, c]);
  await add('pct', '100%_off\\', 'pct', [a]);
  await add('accent', 'Élan', '', []);
});
afterAll(() => t.close());

const page = (keys: string[], next_cursor: string | null = null) => ({ items: keys.map((k) => g[k]), next_cursor });
const result = async (endpoint: Endpoint, params: unknown) => JSON.parse(await rawCall(t, endpoint, 'searchGroups', params)).result;
const CURSOR_ERROR = invalidParams({ instancePath: '/cursor', keyword: 'cursor', message: 'must be a cursor returned for the same filters' });
const ALL = ['admin', 'upper', 'spaced', 'lower', 'zeta', 'pct', 'accent'];

describe('getAllGroups', () => {
  test('byte order ("BILOUTE" < "Biloute B" < "admin"), member counts, exact bytes', async () => {
    const expected = ['pct', 'upper', 'spaced', 'zeta', 'admin', 'lower', 'accent'].map((k) => g[k]);
    await expectBoth(t, 'getAllGroups', undefined, expected);
    await expectBoth(t, 'getAllGroups', [], expected);
    await expectBoth(t, 'getAllGroups', {}, expected);
    const text = await rawCall(t, COMPAT, 'getAllGroups');
    expect(text).toContain(`{"id":${g.upper.id},"name":"BILOUTE","external_id":"","nb_users":2},{"id":${g.spaced.id},"name":"Biloute B","external_id":"cn=b","nb_users":1}`);
    expect(text).toContain('{"id":1,"name":"admin","external_id":"","nb_users":1}');
  });

  test('counts follow membership changes and removed users', async () => {
    const extra = await t.createUser('transient');
    await rawCall(t, COMPAT, 'addGroupMember', [g.lower.id, extra]);
    let list = JSON.parse(await rawCall(t, STRICT, 'getAllGroups')).result as Item[];
    expect(list.find((x) => x.id === g.lower.id)!.nb_users).toBe(1);
    await rawCall(t, STRICT, 'removeUser', [extra]);
    list = JSON.parse(await rawCall(t, COMPAT, 'getAllGroups')).result as Item[];
    expect(list.find((x) => x.id === g.lower.id)!.nb_users).toBe(0);
  });

  test('arguments are refused', async () => {
    expect(await rawCall(t, COMPAT, 'getAllGroups', [1])).toBe(COMPAT_WRONG('Too many arguments', '1'));
    expect(await rawCall(t, STRICT, 'getAllGroups', { name: 'x' })).toBe(
      err(invalidParams({ instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' })),
    );
  });
});

describe('searchGroups results', () => {
  test('no params, [] and {} list every group by id with nb_users', async () => {
    await expectBoth(t, 'searchGroups', undefined, page(ALL));
    await expectBoth(t, 'searchGroups', [], page(ALL));
    await expectBoth(t, 'searchGroups', { query: '' }, page(ALL));
  });

  test('query is a case-insensitive substring of name or external_id', async () => {
    await expectBoth(t, 'searchGroups', { query: 'bil' }, page(['upper', 'spaced', 'zeta']));
    await expectBoth(t, 'searchGroups', ['CN='], page(['spaced']));
    await expectBoth(t, 'searchGroups', { query: 'ADM' }, page(['admin']));
    await expectBoth(t, 'searchGroups', { query: 'LAN' }, page(['accent']));
    await expectBoth(t, 'searchGroups', { query: 'no such group' }, page([]));
  });

  test('%, _ and \\ are literal', async () => {
    await expectBoth(t, 'searchGroups', { query: '%' }, page(['pct']));
    await expectBoth(t, 'searchGroups', { query: '_' }, page(['pct']));
    await expectBoth(t, 'searchGroups', { query: '\\' }, page(['pct']));
    await expectBoth(t, 'searchGroups', { query: '0%_o' }, page(['pct']));
  });

  test('invalid values → compat false, strict -32602; compat coerces digit strings and numbers', async () => {
    await expectFailure(t, 'searchGroups', { query: 'q'.repeat(256) }, false, invalidParams({ instancePath: '/query', keyword: 'maxLength', message: 'must NOT have more than 255 characters' }));
    await expectFailure(t, 'searchGroups', { query: [] }, false, invalidParams({ instancePath: '/query', keyword: 'type', message: 'must be string' }));
    await expectFailure(t, 'searchGroups', { limit: 0 }, false, invalidParams({ instancePath: '/limit', keyword: 'minimum', message: 'must be >= 1' }));
    await expectFailure(t, 'searchGroups', { limit: 1.5 }, false, invalidParams({ instancePath: '/limit', keyword: 'type', message: 'must be integer' }));
    expect(await rawCall(t, COMPAT, 'searchGroups', { query: 100, limit: '7' })).toBe(ok(page(['pct'])));
    expect(await rawCall(t, STRICT, 'searchGroups', { limit: '7' })).toBe(err(invalidParams({ instancePath: '/limit', keyword: 'type', message: 'must be integer' })));
    expect(await rawCall(t, STRICT, 'searchGroups', { role: 'x' })).toBe(
      err(invalidParams({ instancePath: '', keyword: 'additionalProperties', message: 'must NOT have additional properties' })),
    );
    expect(await rawCall(t, COMPAT, 'searchGroups', ['a', 1, null, 4])).toBe(COMPAT_WRONG('Too many arguments', '1'));
  });

  test('limit above 500 → compat false, strict -32007 page_size_too_large; 500 is fine', async () => {
    await expectFailure(t, 'searchGroups', { limit: 501 }, false, { code: -32007, message: 'Limit exceeded', data: { reason: 'page_size_too_large', limit: 500 } });
    await expectBoth(t, 'searchGroups', { limit: 500 }, page(ALL));
  });
});

describe('searchGroups pagination', () => {
  async function walk(endpoint: Endpoint, filters: Record<string, unknown>, limit: number) {
    const pages: { items: Item[]; next_cursor: string | null }[] = [];
    let cursor: string | null = null;
    do {
      const res = await result(endpoint, { ...filters, limit, cursor });
      pages.push(res);
      cursor = res.next_cursor;
      expect(pages.length).toBeLessThan(20);
    } while (cursor !== null);
    return pages;
  }

  test.each([[COMPAT], [STRICT]])('%s: limit 2 walks every group exactly once, by id', async (endpoint) => {
    const pages = await walk(endpoint, {}, 2);
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 2, 1]);
    expect(pages.flatMap((p) => p.items)).toEqual(ALL.map((k) => g[k]));
    expect(pages.map((p) => typeof p.next_cursor)).toEqual(['string', 'string', 'string', 'object']);
  });

  test('with a query; an exactly full last page has next_cursor null; positional cursor', async () => {
    const pages = await walk(STRICT, { query: 'bil' }, 1);
    expect(pages.map((p) => p.items.map((i) => i.id))).toEqual([[g.upper.id], [g.spaced.id], [g.zeta.id]]);
    const full = await result(COMPAT, { query: 'bil', limit: 3 });
    expect(full).toEqual(page(['upper', 'spaced', 'zeta']));
    const first = await result(COMPAT, ['BIL', 2]);
    expect(await result(STRICT, ['BIL', 100, first.next_cursor])).toEqual(page(['zeta']));
  });

  test('a cursor replayed with another query → compat false, strict cursor error', async () => {
    const { next_cursor: cursor } = await result(STRICT, { query: 'b', limit: 1 });
    expect(typeof cursor).toBe('string');
    await expectFailure(t, 'searchGroups', { query: 'bi', cursor }, false, CURSOR_ERROR);
    await expectFailure(t, 'searchGroups', { cursor }, false, CURSOR_ERROR);
  });

  test.each([
    ['garbage', 'not a cursor!'],
    ['empty', ''],
    ['wrong version', Buffer.from(JSON.stringify({ v: 2, after: 1, f: '00000000' })).toString('base64url')],
  ])('a malformed cursor (%s) → compat false, strict cursor error', async (_label, cursor) => {
    await expectFailure(t, 'searchGroups', { cursor }, false, CURSOR_ERROR);
  });

  test('a cursor of the wrong type → type error', async () => {
    await expectFailure(t, 'searchGroups', { cursor: 5 }, false, invalidParams({ instancePath: '/cursor', keyword: 'type', message: 'must be string,null' }));
  });
});

test('access: an app-user gets 403 / -32003', async () => {
  await t.createUser('viewer', 'viewer-secret');
  await expectDenied(t, 'searchGroups', { query: 'b' }, ['viewer', 'viewer-secret']);
});
