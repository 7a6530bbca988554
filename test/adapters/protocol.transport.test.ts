/**
 * Transport rules shared by both endpoints: body size (§1.1, §1.6 step 1), X-Request-Id, response
 * headers, and the no-leak rules of §3.5 for errors raised while reading the body.
 */
import { gzipSync } from 'node:zlib';
import { startTestApp, type Endpoint, type TestApp } from '../helpers/app';
import {
  COMPAT_FORBIDDEN,
  COMPAT_PARSE_ERROR,
  COMPAT_UNAUTHORIZED,
  LIMIT,
  STRICT_METHOD_NOT_ALLOWED,
  STRICT_PARSE_ERROR,
  STRICT_UNAUTHENTICATED,
  STRICT_UNSUPPORTED_MEDIA_TYPE,
  UUID,
  bare,
  expectJson,
  expectNoContent,
  sendBytes,
} from '../helpers/protocol';

const ENDPOINTS: Endpoint[] = ['/jsonrpc.php', '/rpc'];
let t: TestApp;
let small: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  small = await startTestApp({ env: { BODY_LIMIT: '1kb' } });
});
afterAll(async () => {
  await small.close();
  await t.close();
});

/** A valid getVersion request padded with spaces to exactly `size` bytes. */
function paddedRequest(size: number): string {
  const base = '{"jsonrpc":"2.0","method":"getVersion","id":1}';
  return base.slice(0, -1) + ' '.repeat(size - base.length) + '}';
}

describe('body size', () => {
  test.each(ENDPOINTS)('%s: a 2 MiB body at the default limit → HTTP 413 -32007 body_too_large, no authentication needed', async (ep) => {
    const res = await t.call(ep, 'x'.repeat(2 * 1024 * 1024), 'none', { 'X-Request-Id': 'big-body-1' });
    expectJson(res, 413, LIMIT('body_too_large', 1048576), 'big-body-1');
  });

  test.each(ENDPOINTS)('%s: one byte over MAX_BODY_BYTES → 413 even for a valid request', async (ep) => {
    const res = await t.call(ep, paddedRequest(1048577), 'app');
    expectJson(res, 413, LIMIT('body_too_large', 1048576));
  });

  test.each(ENDPOINTS)('%s: exactly MAX_BODY_BYTES is served', async (ep) => {
    expectJson(await t.call(ep, paddedRequest(1048576)), 200, '{"jsonrpc":"2.0","result":"1.2.53","id":1}');
  });

  test.each(ENDPOINTS)('%s: BODY_LIMIT=1kb → 1025 bytes is 413 with limit 1024, 1024 bytes is served', async (ep) => {
    expectJson(await small.call(ep, paddedRequest(1025), 'none'), 413, LIMIT('body_too_large', 1024));
    expectJson(await small.call(ep, paddedRequest(1024)), 200, '{"jsonrpc":"2.0","result":"1.2.53","id":1}');
  });

  test('the size is counted in bytes, not characters', async () => {
    const body = `{"jsonrpc":"2.0","method":"getVersion","id":"${'é'.repeat(500)}"}`; // 1046 bytes, 546 characters
    expectJson(await small.call('/rpc', body, 'none'), 413, LIMIT('body_too_large', 1024));
  });

  test('strict: the size check precedes the media type and the HTTP method checks', async () => {
    const big = 'x'.repeat(2048);
    expectJson(await bare(small, 'post', '/rpc', false).set('Content-Type', 'text/plain').send(big), 413, LIMIT('body_too_large', 1024));
    expectJson(await bare(small, 'put', '/rpc', false).set('Content-Type', 'application/json').send(big), 413, LIMIT('body_too_large', 1024));
  });

  test('compat: an over-large form-encoded body → 413 as well', async () => {
    const res = await bare(small, 'post', '/jsonrpc.php', false).set('Content-Type', 'application/x-www-form-urlencoded').send(`a=${'b'.repeat(2048)}`);
    expectJson(res, 413, LIMIT('body_too_large', 1024));
  });
});

describe('X-Request-Id on every response', () => {
  const kinds: [string, (id: Record<string, string>) => Promise<import('supertest').Response>, (res: import('supertest').Response, rid?: string) => void][] = [
    ['compat 200 result', (h) => t.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'getVersion', id: 1 }, 'app', h), (r, id) => expectJson(r, 200, '{"jsonrpc":"2.0","result":"1.2.53","id":1}', id)],
    ['compat 200 empty', (h) => t.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'getVersion' }, 'app', h), (r, id) => expectJson(r, 200, '', id)],
    ['compat -32700', (h) => t.call('/jsonrpc.php', '{', 'none', h), (r, id) => expectJson(r, 200, COMPAT_PARSE_ERROR, id)],
    ['compat 401', (h) => t.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'getVersion', id: 1 }, 'none', h), (r, id) => expectJson(r, 401, COMPAT_UNAUTHORIZED, id)],
    ['compat 403', (h) => t.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'getMe', id: 1 }, 'app', h), (r, id) => expectJson(r, 403, COMPAT_FORBIDDEN, id)],
    ['compat 413', (h) => small.call('/jsonrpc.php', 'x'.repeat(2000), 'none', h), (r, id) => expectJson(r, 413, LIMIT('body_too_large', 1024), id)],
    ['strict 200 result', (h) => t.call('/rpc', { jsonrpc: '2.0', method: 'getVersion', id: 1 }, 'app', h), (r, id) => expectJson(r, 200, '{"jsonrpc":"2.0","result":"1.2.53","id":1}', id)],
    ['strict 401', (h) => t.call('/rpc', { jsonrpc: '2.0', method: 'getVersion', id: 1 }, 'none', h), (r, id) => expectJson(r, 401, STRICT_UNAUTHENTICATED, id)],
    ['strict 405', (h) => bare(t, 'get', '/rpc').set(h), (r, id) => expectJson(r, 405, STRICT_METHOD_NOT_ALLOWED, id)],
    ['strict 415', (h) => bare(t, 'post', '/rpc').set({ ...h, 'Content-Type': 'text/plain' }).send('{}'), (r, id) => expectJson(r, 415, STRICT_UNSUPPORTED_MEDIA_TYPE, id)],
    ['strict 413', (h) => small.call('/rpc', 'x'.repeat(2000), 'none', h), (r, id) => expectJson(r, 413, LIMIT('body_too_large', 1024), id)],
  ];

  test.each(kinds)('%s: a valid X-Request-Id is echoed', async (_name, send, check) => {
    check(await send({ 'X-Request-Id': 'abc-123_X.y' }), 'abc-123_X.y');
    check(await send({ 'X-Request-Id': 'z'.repeat(64) }), 'z'.repeat(64));
  });

  test.each(kinds)('%s: an invalid or missing X-Request-Id is replaced by a UUID', async (_name, send, check) => {
    for (const bad of ['bad id!', 'z'.repeat(65), 'a/b', 'x;y']) {
      const res = await send({ 'X-Request-Id': bad });
      check(res);
      expect(res.headers['x-request-id']).toMatch(UUID);
    }
    check(await send({}));
  });

  test('strict 204 carries X-Request-Id and no X-Powered-By', async () => {
    const res = await t.call('/rpc', { jsonrpc: '2.0', method: 'getVersion' }, 'app', { 'X-Request-Id': 'no-content-1' });
    expectNoContent(res, 'no-content-1');
    expectNoContent(await t.call('/rpc', { jsonrpc: '2.0', method: 'getVersion' }, 'app', { 'X-Request-Id': 'bad id!' }));
  });

  test('a fresh UUID per request', async () => {
    const a = await t.call('/rpc', { jsonrpc: '2.0', method: 'getVersion', id: 1 });
    const b = await t.call('/rpc', { jsonrpc: '2.0', method: 'getVersion', id: 1 });
    expect(a.headers['x-request-id']).toMatch(UUID);
    expect(b.headers['x-request-id']).not.toBe(a.headers['x-request-id']);
  });
});

describe('errors raised while reading the body are JSON-RPC errors (§3.5)', () => {
  const body = Buffer.from('{"jsonrpc":"2.0","method":"getVersion","id":1}');
  const encoded = (ep: Endpoint, encoding: string) =>
    sendBytes(bare(t, 'post', ep, false).set('Content-Type', 'application/json').set('Content-Encoding', encoding).set('X-Request-Id', `enc-${encoding}`), body);

  test.each(['gzip', 'deflate', 'br'])('a body that is not valid %s → -32700 at both endpoints', async (encoding) => {
    expectJson(await encoded('/jsonrpc.php', encoding), 200, COMPAT_PARSE_ERROR, `enc-${encoding}`);
    expectJson(await encoded('/rpc', encoding), 200, STRICT_PARSE_ERROR, `enc-${encoding}`);
  });

  test('an unsupported Content-Encoding: compat -32700, strict 415', async () => {
    expectJson(await encoded('/jsonrpc.php', 'x-unknown'), 200, COMPAT_PARSE_ERROR, 'enc-x-unknown');
    expectJson(await encoded('/rpc', 'x-unknown'), 415, STRICT_UNSUPPORTED_MEDIA_TYPE, 'enc-x-unknown');
  });

  test('a gzip body is inflated before the size check and parsing', async () => {
    const zipped = gzipSync(Buffer.from('{"jsonrpc":"2.0","method":"getTimezone","id":"gz"}'));
    const res = await sendBytes(bare(t, 'post', '/rpc').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip'), zipped);
    expectJson(res, 200, '{"jsonrpc":"2.0","result":"UTC","id":"gz"}');
    const bomb = gzipSync(Buffer.from(paddedRequest(4096)));
    const big = await sendBytes(bare(small, 'post', '/jsonrpc.php', false).set('Content-Encoding', 'gzip'), bomb);
    expectJson(big, 413, LIMIT('body_too_large', 1024));
  });
});
