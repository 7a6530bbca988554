/** The service as a process on Postgres (DATABASE_URL), on a fresh database of its own. */
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { jsonRpc, startRoster } from '../helpers/process';

// Runs in the postgres project only (see jest.config.js); embedded.test.ts covers PGlite.
let db: TestDatabase | undefined;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.close());

test('starts on DATABASE_URL, prints first-start secrets once, and serves JSON-RPC', async () => {
  if (!db?.url) throw new Error('no Postgres test database');
  const first = await startRoster({ DATABASE_URL: db.url });
  const token = /API token \(HTTP Basic user "jsonrpc"\): (\S+)/.exec(first.stdout())?.[1];
  expect(token).toBeDefined();
  expect(first.stdout()).not.toContain('embedded PGlite');
  expect((await jsonRpc(first.port, 'jsonrpc', token!, 'getVersion')).body).toEqual({ jsonrpc: '2.0', result: '1.2.53', id: 1 });
  // A second instance on the same database starts, prints no secrets, and accepts the same token.
  const second = await startRoster({ DATABASE_URL: db.url });
  expect(second.stdout()).not.toContain('API token');
  expect((await jsonRpc(second.port, 'jsonrpc', token!, 'getVersion')).status).toBe(200);
  expect(await second.stop()).toBe(0);
  expect(await first.stop()).toBe(0);
});
