/**
 * The stored API token (API_TOKEN unset: the digest generated at the first start, or set by
 * `roster token rotate-api`): each instance reads the digest at most once per FRESH_FOR_MS, and a
 * rotation has taken effect on every instance by the time the command returns — the old token is
 * refused and the new one accepted, by two app instances on one database that had both just used
 * the old one.
 */
import { API_TOKEN_SETTING } from '../../src/auth/authenticator';
import { sha256Hex } from '../../src/auth/secrets';
import { rotateApiToken } from '../../src/cli/tokenCommand';
import { FRESH_FOR_MS } from '../../src/core/freshness';
import { putSetting } from '../../src/db/repositories/settings';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const OLD_TOKEN = 'stored-token-before-the-rotation';
const VERSION_CALL = { jsonrpc: '2.0', method: 'getVersion', id: 1 };

let db: TestDatabase;
let apps: TestApp[] = [];
let digestReads = 0;

beforeEach(async () => {
  db = await createTestDatabase();
  await putSetting(db.knex, API_TOKEN_SETTING, sha256Hex(OLD_TOKEN), 1_700_000_000);
  db.knex.on('query', (query: { sql: string; bindings?: unknown[] }) => {
    if (/from "settings"/i.test(query.sql) && query.bindings?.includes(API_TOKEN_SETTING)) digestReads += 1;
  });
  digestReads = 0;
  // no API_TOKEN: the stored digest decides
  apps = [await startTestApp({ db, env: { API_TOKEN: '' } }), await startTestApp({ db, env: { API_TOKEN: '' } })];
});
afterEach(async () => {
  for (const app of apps) await app.close();
  await db?.close();
});

const status = async (app: TestApp, token: string) => (await app.call('/jsonrpc.php', VERSION_CALL, ['jsonrpc', token])).status;

test('the stored digest is read at most once per FRESH_FOR_MS by an instance, and a wrong token is refused', async () => {
  const [app] = apps;
  const started = performance.now();
  for (let i = 0; i < 30; i += 1) expect(await status(app, OLD_TOKEN)).toBe(200);
  const elapsed = performance.now() - started;
  expect(digestReads).toBeGreaterThanOrEqual(1);
  // each read begins at least FRESH_FOR_MS after the one before it
  expect(digestReads).toBeLessThanOrEqual(Math.floor(elapsed / FRESH_FOR_MS) + 1);
  expect(await status(app, 'not-the-token')).toBe(401);
});

test('a rotation applies on every instance by the time it returns, though both had just used the old token', async () => {
  for (const app of apps) expect(await status(app, OLD_TOKEN)).toBe(200);
  const outcome = await rotateApiToken(db.knex, { apiToken: undefined }, {});
  expect(outcome).toEqual({ exitCode: 0, stdout: expect.stringMatching(/^[A-Za-z0-9]{48}\n$/), stderr: '' });
  const newToken = outcome.stdout.trim();
  for (const app of apps) {
    expect(await status(app, OLD_TOKEN)).toBe(401);
    expect(await status(app, newToken)).toBe(200);
  }
});
