/**
 * A Roster app on a fresh test database, with the admin (id 1) and the API token created as on a
 * first start, a movable clock, and helpers to call both JSON-RPC endpoints.
 */
import type { Knex } from 'knex';
import request from 'supertest';
import { Writable } from 'node:stream';
import { createApp, type RosterApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { bootstrap } from '../../src/bootstrap';
import { createPasswordService } from '../../src/auth/passwords';
import type { PasswordService } from '../../src/core/procedure';
import { createTestDatabase, type TestDatabase } from './database';

export const API_TOKEN = 'test-api-token-0123456789abcdef0123456789';

/**
 * bcrypt's lowest cost for the in-process test apps: the same algorithm, format and code paths at
 * 1/64th of the CPU of the default cost 10 (thousands of hashes and checks run in the suite). The
 * configured `BCRYPT_COST` (at least 10) is used by the compiled service in test/process/.
 */
export const TEST_BCRYPT_COST = 4;

/** The password service of the test apps (bcrypt at TEST_BCRYPT_COST, two at a time as by default). */
export function testPasswordService(): PasswordService {
  return createPasswordService({ cost: TEST_BCRYPT_COST, concurrency: 2 });
}

export const ADMIN = { username: 'admin', password: 'admin-secret' } as const;

export type Auth = 'app' | 'none' | readonly [string, string];
export type Endpoint = '/jsonrpc.php' | '/rpc';

export interface TestApp extends RosterApp {
  db: TestDatabase;
  knex: Knex;
  config: Readonly<Config>;
  /** Every log line written by the app (JSON strings). */
  logs: string[];
  /** Moves the app's clock (seconds). */
  advanceClock(seconds: number): void;
  /** POST a JSON-RPC body (object or raw string) with credentials. */
  call(endpoint: Endpoint, body: unknown, auth?: Auth, headers?: Record<string, string>): request.Test;
  /** Shorthand: one call, returns the parsed JSON-RPC response. */
  rpc(endpoint: Endpoint, method: string, params?: unknown, auth?: Auth): Promise<Record<string, unknown>>;
  /** Creates a user through the API (app token) and returns its id. */
  createUser(username: string, password?: string, extra?: Record<string, unknown>): Promise<number>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Share an existing database (a second instance). */
  db?: TestDatabase;
  /** Replaces the app's bcrypt service (default: testPasswordService; e.g. to count verifications). */
  passwords?: PasswordService;
  /** Freezes the clock at this Unix second; it then moves only by advanceClock (default: real time). */
  clockStart?: number;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({
    API_TOKEN,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'info',
    ...options.env,
  });
  const db = options.db ?? (await createTestDatabase());
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  let offset = 0;
  const now = () => (options.clockStart ?? Math.floor(Date.now() / 1000)) + offset;
  if (!options.db) {
    await bootstrap(db.knex, {
      adminUsername: config.adminUsername,
      adminPassword: config.adminPassword,
      apiToken: config.apiToken,
      passwords: testPasswordService(),
      now: now(),
      oidcProviders: config.oidcProviders,
    });
  }
  const roster = createApp({ config, db: db.knex, logger, now, passwords: options.passwords ?? testPasswordService() });

  function call(endpoint: Endpoint, body: unknown, auth: Auth = 'app', headers: Record<string, string> = {}) {
    let req = request(roster.app).post(endpoint).set('Content-Type', 'application/json');
    if (auth === 'app') req = req.auth('jsonrpc', API_TOKEN);
    else if (auth !== 'none') req = req.auth(auth[0], auth[1]);
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    return req.send(typeof body === 'string' ? body : JSON.stringify(body));
  }

  const app: TestApp = {
    ...roster,
    db,
    knex: db.knex,
    config,
    logs,
    advanceClock(seconds) {
      offset += seconds;
    },
    call,
    async rpc(endpoint, method, params, auth = 'app') {
      const body: Record<string, unknown> = { jsonrpc: '2.0', method, id: 1 };
      if (params !== undefined) body.params = params;
      const res = await call(endpoint, body, auth);
      return res.body as Record<string, unknown>;
    },
    async createUser(username, password = 'password1', extra = {}) {
      const res = await call('/rpc', { jsonrpc: '2.0', method: 'createUser', params: { username, password, ...extra }, id: 1 });
      if (typeof res.body?.result !== 'number') throw new Error(`createUser ${username} failed: ${res.text}`);
      return res.body.result as number;
    },
    async close() {
      await roster.close();
      if (!options.db) await db.close();
    },
  };
  return app;
}
