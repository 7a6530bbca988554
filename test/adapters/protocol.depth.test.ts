/**
 * Nesting depth: a body nested deeper than PHP json_decode's default depth (512, the outer object
 * included) is a parse error at both endpoints, so nothing runs — found by the fuzzer: an `id`
 * nested thousands of levels deep was echoed into an answer too deep to serialise (-32603, and the
 * other elements of its batch had run).
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { COMPAT_PARSE_ERROR, STRICT_PARSE_ERROR } from '../helpers/protocol';
import { nestsDeeperThan } from '../../src/adapters/jsonrpc/envelope';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const nested = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
const call = (id: string) => `{"jsonrpc":"2.0","method":"getVersion","id":${id}}`;
const groups = async () => Number((await t.knex('groups').count({ n: '*' }).first())?.n);

test('an id 511 arrays deep (depth 512 with the object) is answered and echoed', async () => {
  const res = await t.call('/jsonrpc.php', call(nested(511)));
  expect(res.status).toBe(200);
  expect(res.text).toBe(`{"jsonrpc":"2.0","result":"${t.config.kanboardVersion}","id":${nested(511)}}`);
});

test.each([512, 5000, 100000])('an id %i arrays deep is a parse error at /jsonrpc.php; nothing of its batch runs', async (levels) => {
  expect((await t.call('/jsonrpc.php', call(nested(levels)))).text).toBe(COMPAT_PARSE_ERROR);
  const before = await groups();
  const batch = `[{"jsonrpc":"2.0","method":"createGroup","params":["deep-a"],"id":1},${call(nested(levels))},{"jsonrpc":"2.0","method":"createGroup","params":["deep-b"],"id":2}]`;
  const res = await t.call('/jsonrpc.php', batch);
  expect([res.status, res.text]).toEqual([200, COMPAT_PARSE_ERROR]);
  expect(await groups()).toBe(before);
});

test('deep params are a parse error at /rpc too', async () => {
  const res = await t.call('/rpc', `{"jsonrpc":"2.0","method":"getVersion","params":{"x":${nested(600)}},"id":1}`);
  expect([res.status, res.text]).toEqual([200, STRICT_PARSE_ERROR]);
});

test('brackets inside strings do not count', () => {
  expect(nestsDeeperThan(JSON.stringify({ s: '['.repeat(2000), t: '\\"[[[' }), 512)).toBe(false);
  expect(nestsDeeperThan(`{"a":${nested(512)}}`, 512)).toBe(true);
  expect(nestsDeeperThan(`{"a":${nested(511)}}`, 512)).toBe(false);
});
