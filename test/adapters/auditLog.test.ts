/**
 * getAuditLog: app admins and the application token read the audit log, newest first by default,
 * filtered by actor, target, action, surface and time, paged by a cursor bound to its filters.
 */
import { startTestApp, ADMIN, type TestApp } from '../helpers/app';
import { COMPAT, STRICT } from '../helpers/users';

/** The address every surface records for a caller on this host (supertest connects to 127.0.0.1). */
const LOOPBACK = expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/);

let t: TestApp;
const CLOCK = 1_800_000_000;

beforeAll(async () => {
  t = await startTestApp({ clockStart: CLOCK });
  await t.createUser('reader', 'reader-pw-1', { role: 'app-manager' }); // t = CLOCK
  t.advanceClock(10);
  await t.rpc(STRICT, 'createGroup', { name: 'g1' }, [ADMIN.username, ADMIN.password]); // CLOCK + 10
  t.advanceClock(10);
  await t.createUser('plain', 'plain-pw-1'); // CLOCK + 20
  await t.rpc(COMPAT, 'disableUser', [3]); // CLOCK + 20, the app token at /jsonrpc.php
});
afterAll(() => t.close());

type Page = { items: Array<Record<string, unknown>>; next_cursor: string | null };
const log = async (params: Record<string, unknown> = {}, auth: Parameters<TestApp['rpc']>[3] = 'app') => t.rpc(STRICT, 'getAuditLog', params, auth);
const page = async (params: Record<string, unknown> = {}) => (await log(params)).result as Page;
const actions = (p: Page) => p.items.map((e) => e.action);

describe('reading', () => {
  test('newest first by default, every column', async () => {
    const p = await page();
    expect(actions(p)).toEqual(['disableUser', 'createUser', 'createGroup', 'createUser']);
    expect(p.next_cursor).toBeNull();
    expect(p.items[0]).toEqual({
      id: 4,
      created_at: CLOCK + 20,
      action: 'disableUser',
      surface: 'jsonrpc',
      procedure: 'disableUser',
      route: 'POST /jsonrpc.php',
      actor_username: 'jsonrpc',
      target_username: null,
      target: 'user_id=3',
      details: { credential: 'app_token', changes: {} },
      request_id: expect.any(String),
      client_address: LOOPBACK,
    });
  });

  test('oldest first', async () => {
    expect(actions(await page({ newest_first: false }))).toEqual(['createUser', 'createGroup', 'createUser', 'disableUser']);
  });

  test('filters: actor, target, action, surface, since, until', async () => {
    expect(actions(await page({ actor: 'admin' }))).toEqual(['createGroup']);
    expect(actions(await page({ target: 'plain' }))).toEqual(['createUser']);
    expect((await page({ action: 'createUser' })).items.map((e) => e.target_username)).toEqual(['plain', 'reader']);
    expect(actions(await page({ surface: 'jsonrpc' }))).toEqual(['disableUser']);
    expect(actions(await page({ since: CLOCK + 10 }))).toEqual(['disableUser', 'createUser', 'createGroup']);
    expect(actions(await page({ until: CLOCK + 10 }))).toEqual(['createGroup', 'createUser']);
    expect(actions(await page({ since: CLOCK + 5, until: CLOCK + 15 }))).toEqual(['createGroup']);
    expect(actions(await page({ actor: 'nobody' }))).toEqual([]);
  });

  test('the cursor walks every event once, in both orders', async () => {
    for (const newest_first of [true, false]) {
      const seen: unknown[] = [];
      let cursor: string | null = null;
      do {
        const p: Page = await page({ limit: 1, newest_first, cursor });
        expect(p.items).toHaveLength(1);
        seen.push(p.items[0].id);
        cursor = p.next_cursor;
      } while (cursor !== null);
      expect(seen).toEqual(newest_first ? [4, 3, 2, 1] : [1, 2, 3, 4]);
    }
  });

  test('reading the log records nothing', async () => {
    await page();
    expect((await page()).items).toHaveLength(4);
  });

  test('at /jsonrpc.php with positional params', async () => {
    const res = await t.rpc(COMPAT, 'getAuditLog', ['admin']);
    expect(actions(res.result as Page)).toEqual(['createGroup']);
  });
});

describe('refusals', () => {
  test('a cursor of other filters, a page over 500 and bad values are invalid', async () => {
    const first = await page({ limit: 1 });
    expect((await log({ limit: 1, cursor: first.next_cursor, actor: 'admin' })).error).toMatchObject({ code: -32602 });
    expect((await log({ limit: 1, cursor: first.next_cursor, newest_first: false })).error).toMatchObject({ code: -32602 });
    expect((await log({ limit: 501 })).error).toMatchObject({ code: -32007, data: { reason: 'page_size_too_large', limit: 500 } });
    expect((await log({ surface: 'smtp' })).error).toMatchObject({ code: -32602 });
    expect((await log({ since: -1 })).error).toMatchObject({ code: -32602 });
    expect((await log({ verbose: true })).error).toMatchObject({ code: -32602 });
  });

  test('app managers, users and anonymous callers are refused', async () => {
    expect((await log({}, ['reader', 'reader-pw-1'])).error).toMatchObject({ code: -32003 });
    expect((await log({}, ['plain', 'plain-pw-1'])).error).toMatchObject({ code: -32004 }); // disabled above
    const anonymous = await t.call(STRICT, { jsonrpc: '2.0', method: 'getAuditLog', id: 1 }, 'none');
    expect(anonymous.status).toBe(401);
    const compat = await t.call(COMPAT, { jsonrpc: '2.0', method: 'getAuditLog', id: 1 }, ['reader', 'reader-pw-1']);
    expect(compat.status).toBe(403);
  });

  test('an app admin user may read it', async () => {
    const res = await log({ limit: 2 }, [ADMIN.username, ADMIN.password]);
    expect(actions(res.result as Page)).toEqual(['disableUser', 'createUser']);
  });
});
