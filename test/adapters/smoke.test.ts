import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

test('getVersion with the application token at /jsonrpc.php', async () => {
  const res = await t.call('/jsonrpc.php', { jsonrpc: '2.0', method: 'getVersion', id: 1 });
  expect(res.status).toBe(200);
  expect(res.text).toBe('{"jsonrpc":"2.0","result":"1.2.53","id":1}');
});
