/**
 * getAllUsers streams its answer (issue #7, P4): a single call is written page by page as the
 * cursor reads the users — chunked, byte for byte what the whole answer would be — on both
 * endpoints; inside a batch it is answered whole, as before.
 */
import { API_TOKEN, startTestApp, type TestApp } from '../helpers/app';
import { COMPAT, STRICT, adminObject } from '../helpers/users';
import { listen, openExchange, postRequest, rawExchange, type Listening } from '../helpers/rawHttp';

let t: TestApp;
let server: Listening;
const AUTH = { Authorization: `Basic ${Buffer.from(`jsonrpc:${API_TOKEN}`).toString('base64')}` };
/** More than five pages of 1000. */
const PLAIN_USERS = 4800;

/** Users whose every member varies, with strings JSON has to escape and characters beyond ASCII. */
function trickyUser(i: number): Record<string, unknown> {
  const usernames = [`ünï${i}`, `😀${i}`, `q"uote${i}`, `back\\slash${i}`, `Zed${i}`, `_under${i}`, `9lives${i}`, `tab\t${i}`, `l\u2028s${i}`, `ä${i}`];
  return {
    username: usernames[i % usernames.length],
    password: i % 2 ? 'hash-that-never-leaves' : null,
    name: i % 7 === 0 ? null : i % 5 === 0 ? '' : `Name "${i}" \\ \u0001 é 日本 ${'x'.repeat(i % 40)}`,
    email: i % 3 === 0 ? null : `u${i}@example.com`,
    is_ldap_user: i % 4 === 0,
    google_id: i % 6 === 0 ? `g${i}` : null,
    github_id: i % 8 === 0 ? `gh${i}` : null,
    notifications_enabled: i % 9 === 0,
    timezone: i % 10 === 0 ? 'Europe/Paris' : null,
    language: i % 11 === 0 ? 'fr_FR' : null,
    disable_login_form: i % 12 === 0,
    twofactor_activated: i % 13 === 0,
    twofactor_secret: i % 13 === 0 ? 'TWOFACTORSECRET1' : null,
    notifications_filter: i % 5,
    nb_failed_login: i % 4,
    lock_expiration_date: i % 14 === 0 ? 2 ** 40 + i : 0,
    gitlab_id: i % 15 === 0 ? i : null,
    role: (['app-user', 'app-manager', 'app-admin'] as const)[i % 3],
    is_active: i % 16 !== 0,
    avatar_path: i % 17 === 0 ? `avatars/${i}.png` : null,
    api_access_token: i % 18 === 0 ? 'a'.repeat(64) : null,
    filter: i % 19 === 0 ? 'status:open' : null,
    theme: i % 20 === 0 ? 'dark' : 'light',
  };
}

beforeAll(async () => {
  t = await startTestApp();
  const rows = [
    ...Array.from({ length: 320 }, (_, i) => trickyUser(i)),
    ...Array.from({ length: PLAIN_USERS }, (_, i) => ({ username: `user${i}`, name: `User ${i}`, email: `user${i}@example.com`, role: 'app-user' })),
  ];
  // shuffled, so id order and username order differ
  rows.sort((a, b) => ((a.username as string).length % 7) - ((b.username as string).length % 7));
  for (let i = 0; i < rows.length; i += 500) await t.knex('users').insert(rows.slice(i, i + 500));
  server = await listen(t.app);
}, 60000);
afterAll(async () => {
  await server.close();
  await t.close();
});

/** getAllUsers through the dispatcher for a caller that does not stream (as the CLI calls it): the whole array. */
async function wholeResult(): Promise<unknown[]> {
  const procedure = t.dispatcher.resolve('getAllUsers', false, 'rpc')!;
  const result = await t.dispatcher.call(procedure, [], { principal: { kind: 'app' }, mode: 'strict', requestId: 'whole', surface: 'cli' });
  expect(Array.isArray(result)).toBe(true);
  return result as unknown[];
}

const call = (endpoint: string, body: string) => rawExchange(server.port, postRequest(endpoint, body, AUTH));
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe('a single getAllUsers call is streamed', () => {
  test.each([
    [COMPAT, 1],
    [STRICT, 1],
    [COMPAT, 'é"\\id'],
    [STRICT, 'é"\\id'],
    [STRICT, null],
    [COMPAT, { nested: [1, 'two'] }],
    [COMPAT, 0],
    [STRICT, -2.5],
  ])('%s id %j: chunked, byte for byte JSON.stringify of the whole answer', async (endpoint, id) => {
    const all = await wholeResult();
    expect(all.length).toBe(PLAIN_USERS + 320 + 1);
    const answer = await call(endpoint, JSON.stringify({ jsonrpc: '2.0', method: 'getAllUsers', id }));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['transfer-encoding']).toBe('chunked');
    expect(answer.headers['content-length']).toBeUndefined();
    expect(answer.complete).toBe(true);
    expect(answer.body.toString('utf8')).toBe(JSON.stringify({ jsonrpc: '2.0', result: all, id }));
  });

  test('written page by page: one chunk per 1000 users, then the closing', async () => {
    const answer = await call(STRICT, '{"jsonrpc":"2.0","method":"getAllUsers","id":7}');
    const users = PLAIN_USERS + 320 + 1;
    expect(answer.chunks.length).toBe(Math.ceil(users / 1000) + 1);
    const first = answer.chunks[0].toString('utf8');
    expect(first.startsWith('{"jsonrpc":"2.0","result":[{"id":')).toBe(true);
    expect((first.match(/"username":/g) ?? []).length).toBe(1000);
    expect(answer.chunks.at(-1)!.toString('utf8')).toBe('],"id":7}');
  });

  test('ordered by username in byte order across pages; no secret member', async () => {
    const answer = await call(COMPAT, '{"jsonrpc":"2.0","method":"getAllUsers","id":1}');
    const result = JSON.parse(answer.body.toString('utf8')).result as Record<string, unknown>[];
    const stored = (await t.knex('users').select('id', 'username')) as { id: number; username: string }[];
    expect(result.map((u) => u.username)).toEqual(stored.map((u) => u.username).sort(byteOrder));
    expect(new Set(result.map((u) => u.id)).size).toBe(stored.length);
    expect(result[0]).toEqual(expect.objectContaining({ username: '9lives106' }));
    for (const user of result) for (const secret of ['password', 'api_access_token', 'twofactor_secret', 'token']) expect(user).not.toHaveProperty(secret);
  });

  test('the request is logged and counted as usual', async () => {
    const res = await t.call(STRICT, '{"jsonrpc":"2.0","method":"getAllUsers","id":1}').set('X-Request-Id', 'stream-log-1');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBeUndefined();
    const line = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === 'stream-log-1' && l.msg === 'request completed');
    expect(line).toMatchObject({ surface: 'rpc', route: 'getAllUsers', rpcMethods: ['getAllUsers'], status: 200, outcome: 'ok', caller: 'jsonrpc' });
  });

  test('other procedures still answer with a Content-Length', async () => {
    const answer = await call(STRICT, '{"jsonrpc":"2.0","method":"getUser","params":[1],"id":3}');
    expect(answer.headers['content-length']).toBe(String(answer.body.length));
    expect(answer.headers['transfer-encoding']).toBeUndefined();
    expect(answer.body.toString()).toBe(JSON.stringify({ jsonrpc: '2.0', result: adminObject(), id: 3 }));
  });
});

describe('getAllUsers that does not stream', () => {
  test('inside a batch: answered whole, byte for byte as before, with the other elements', async () => {
    const all = await wholeResult();
    for (const endpoint of [COMPAT, STRICT]) {
      const body = JSON.stringify([
        { jsonrpc: '2.0', method: 'getAllUsers', id: 1 },
        { jsonrpc: '2.0', method: 'getUser', params: [1], id: 2 },
        { jsonrpc: '2.0', method: 'getAllUsers', id: 'three' },
      ]);
      const answer = await call(endpoint, body);
      expect(answer.status).toBe(200);
      expect(answer.headers['transfer-encoding']).toBeUndefined();
      expect(answer.headers['content-length']).toBe(String(answer.body.length));
      expect(answer.body.toString('utf8')).toBe(
        JSON.stringify([
          { jsonrpc: '2.0', result: all, id: 1 },
          { jsonrpc: '2.0', result: adminObject(), id: 2 },
          { jsonrpc: '2.0', result: all, id: 'three' },
        ]),
      );
    }
  });

  test('as a notification: nothing is answered and nothing stays open', async () => {
    const compat = await t.call(COMPAT, '{"jsonrpc":"2.0","method":"getAllUsers"}');
    expect([compat.status, compat.text]).toEqual([200, '']);
    const strict = await t.call(STRICT, '{"jsonrpc":"2.0","method":"getAllUsers"}');
    expect(strict.status).toBe(204);
    // a snapshot left open would hold the connection (PGlite has one): this would wait
    expect((await t.rpc(STRICT, 'getUser', [1])).result).toEqual(adminObject());
    expect(poolInUse()).toBe(0);
  });
});

function poolInUse(): number {
  const pool = (t.knex.client as { pool?: { numUsed(): number } }).pool;
  return pool ? pool.numUsed() : 0;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 250 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

test('a client that goes away mid-answer: the snapshot is released, the request logged as aborted', async () => {
  const socket = await openExchange(server.port, postRequest(STRICT, '{"jsonrpc":"2.0","method":"getAllUsers","id":1}', { ...AUTH, 'X-Request-Id': 'stream-gone-1' }));
  const firstBytes = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
  expect(firstBytes.toString('latin1').startsWith('HTTP/1.1 200')).toBe(true);
  socket.destroy();
  await waitFor(() => t.logs.some((l) => l.includes('"requestId":"stream-gone-1"') && l.includes('request completed')), 'the request line');
  const line = JSON.parse(t.logs.find((l) => l.includes('"requestId":"stream-gone-1"') && l.includes('request completed'))!);
  // the server may have handed every byte to the kernel before it saw the close
  expect(['aborted', 'ok']).toContain(line.outcome);
  expect((await t.rpc(STRICT, 'getUser', [1])).result).toEqual(adminObject());
  await waitFor(() => poolInUse() === 0, 'the connection to return to the pool');
});
