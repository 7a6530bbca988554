/** searchProjects at both endpoints (§8.1): matching, filters, keyset pagination, limits, cursors, access. */
import { startTestApp, type Auth, type TestApp } from '../helpers/app';
import { COMPAT, STRICT, err, expectBoth, expectFailure, invalidParams, ok, rawCall } from '../helpers/users';
import { userWithAuth } from '../helpers/projectGrants';
import { callAs, expectDeniedBoth, insertProjectRow, projectObject } from '../helpers/projects';

let t: TestApp;
let plain: { id: number; auth: Auth };
const p = { alpha: 0, beta: 0, pct: 0, under: 0, slash: 0, off: 0, mail: 0 };

beforeAll(async () => {
  t = await startTestApp();
  plain = await userWithAuth(t, 'plain');
  p.alpha = await insertProjectRow(t, { name: 'Alpha Board', identifier: 'ALPHA' });
  p.beta = await insertProjectRow(t, { name: 'Beta', identifier: 'BETAX', email: 'beta@Example.com' });
  p.pct = await insertProjectRow(t, { name: '100% done' });
  p.under = await insertProjectRow(t, { name: 'snake_case' });
  p.slash = await insertProjectRow(t, { name: 'back\\slash' });
  p.off = await insertProjectRow(t, { name: 'Archived alpha', is_active: false });
  p.mail = await insertProjectRow(t, { name: 'Mailbox', email: 'team@alpha.org' });
});
afterAll(() => t.close());

const idsOf = (text: string) => (JSON.parse(text).result.items as { id: number }[]).map((i) => i.id);
const page = (items: unknown[], next_cursor: string | null = null) => ({ items, next_cursor });

describe('searchProjects', () => {
  test('"" matches everything, ordered by id, as full project objects', async () => {
    const text = await rawCall(t, COMPAT, 'searchProjects', []);
    expect(idsOf(text)).toEqual([p.alpha, p.beta, p.pct, p.under, p.slash, p.off, p.mail]);
    expect(JSON.parse(text).result.items[1]).toEqual(projectObject(p.beta, 'Beta', { identifier: 'BETAX', email: 'beta@Example.com' }));
    expect(await rawCall(t, STRICT, 'searchProjects', {})).toBe(text);
  });

  test('case-insensitive substring of name, identifier or email', async () => {
    await expectBoth(t, 'searchProjects', { query: 'ALPHA' }, page([
      projectObject(p.alpha, 'Alpha Board', { identifier: 'ALPHA' }),
      projectObject(p.off, 'Archived alpha', { is_active: false }),
      projectObject(p.mail, 'Mailbox', { email: 'team@alpha.org' }),
    ]));
    expect(idsOf(await rawCall(t, STRICT, 'searchProjects', ['etax']))).toEqual([p.beta]);
    expect(idsOf(await rawCall(t, STRICT, 'searchProjects', ['EXAMPLE.COM']))).toEqual([p.beta]);
    expect(idsOf(await rawCall(t, STRICT, 'searchProjects', ['nothing here']))).toEqual([]);
  });

  test('%, _ and \\ are literal', async () => {
    expect(idsOf(await rawCall(t, STRICT, 'searchProjects', ['%']))).toEqual([p.pct]);
    expect(idsOf(await rawCall(t, COMPAT, 'searchProjects', ['_']))).toEqual([p.under]);
    expect(idsOf(await rawCall(t, STRICT, 'searchProjects', ['\\']))).toEqual([p.slash]);
    expect(idsOf(await rawCall(t, STRICT, 'searchProjects', ['k\\s']))).toEqual([p.slash]);
  });

  test('is_active filters; compat accepts "0"/"1", strict only booleans', async () => {
    expect(idsOf(await rawCall(t, STRICT, 'searchProjects', { query: 'alpha', is_active: false }))).toEqual([p.off]);
    expect(idsOf(await rawCall(t, COMPAT, 'searchProjects', { query: 'alpha', is_active: '1' }))).toEqual([p.alpha, p.mail]);
    expect(await rawCall(t, STRICT, 'searchProjects', { is_active: '1' })).toBe(
      err(invalidParams({ instancePath: '/is_active', keyword: 'type', message: 'must be boolean,null' })),
    );
  });

  test('keyset pagination: limit items per page, next_cursor exactly when more match', async () => {
    const first = JSON.parse(await rawCall(t, STRICT, 'searchProjects', { query: 'a', limit: 2 })).result;
    expect(first.items.map((i: { id: number }) => i.id)).toEqual([p.alpha, p.beta]);
    expect(typeof first.next_cursor).toBe('string');
    const second = JSON.parse(await rawCall(t, COMPAT, 'searchProjects', ['a', null, 2, first.next_cursor])).result;
    expect(second.items.map((i: { id: number }) => i.id)).toEqual([p.under, p.slash]);
    const last = JSON.parse(await rawCall(t, STRICT, 'searchProjects', { query: 'a', limit: 2, cursor: second.next_cursor })).result;
    expect(last).toEqual(page([projectObject(p.off, 'Archived alpha', { is_active: false }), projectObject(p.mail, 'Mailbox', { email: 'team@alpha.org' })]));
    const exact = JSON.parse(await rawCall(t, STRICT, 'searchProjects', { query: 'a', limit: 6 })).result;
    expect(exact.next_cursor).toBeNull();
    expect(exact.items.length).toBe(6);
  });

  test('a cursor for other filters, or a malformed one → compat false, strict -32602 /cursor', async () => {
    const first = JSON.parse(await rawCall(t, STRICT, 'searchProjects', { query: 'a', limit: 1 })).result;
    const bad = invalidParams({ instancePath: '/cursor', keyword: 'cursor', message: 'must be a cursor returned for the same filters' });
    await expectFailure(t, 'searchProjects', { query: 'b', limit: 1, cursor: first.next_cursor }, false, bad);
    await expectFailure(t, 'searchProjects', { query: 'a', is_active: true, limit: 1, cursor: first.next_cursor }, false, bad);
    await expectFailure(t, 'searchProjects', { cursor: 'not-a-cursor' }, false, bad);
    expect(idsOf(await rawCall(t, STRICT, 'searchProjects', { query: 'a', limit: 5, cursor: first.next_cursor }))).toEqual([
      p.beta, p.under, p.slash, p.off, p.mail,
    ]);
  });

  test('limits: above 500 → compat false, strict -32007; below 1 or not an integer → -32602', async () => {
    expect(await rawCall(t, COMPAT, 'searchProjects', { limit: 1000 })).toBe(ok(false));
    expect(await rawCall(t, STRICT, 'searchProjects', { limit: 1000 })).toBe(
      err({ code: -32007, message: 'Limit exceeded', data: { reason: 'page_size_too_large', limit: 500 } }),
    );
    expect(idsOf(await rawCall(t, STRICT, 'searchProjects', { limit: 500 })).length).toBe(7);
    await expectFailure(t, 'searchProjects', { limit: 0 }, false, invalidParams({ instancePath: '/limit', keyword: 'minimum', message: 'must be >= 1' }));
    await expectFailure(t, 'searchProjects', { limit: 1.5 }, false, invalidParams({ instancePath: '/limit', keyword: 'type', message: 'must be integer' }));
    await expectFailure(t, 'searchProjects', { query: 'q'.repeat(256) }, false, invalidParams({ instancePath: '/query', keyword: 'maxLength', message: 'must NOT have more than 255 characters' }));
    await expectFailure(t, 'searchProjects', { query: null }, false, invalidParams({ instancePath: '/query', keyword: 'type', message: 'must be string' }));
  });

  test('user mode: app-admin only', async () => {
    await expectDeniedBoth(t, 'searchProjects', { query: 'a' }, plain.auth, { reason: 'forbidden', required: 'app-admin' });
    const res = await callAs(t, STRICT, 'searchProjects', { query: 'beta' }, ['admin', 'admin-secret']);
    expect(idsOf(res.text)).toEqual([p.beta]);
  });
});
