/**
 * Streamed results when things go wrong: a failure before the first page (an ordinary error answer),
 * after the answer began (the connection is cut, the failure logged, the request a server error),
 * a client that goes away or stalls (the rest is not read). In every case the snapshot the pages are
 * read from is closed and its connection free again. Driven through the JSON-RPC router with a
 * registry of test procedures on the test database.
 */
import express from 'express';
import type { Knex } from 'knex';
import { Writable } from 'node:stream';
import { createDispatcher } from '../../src/core/dispatcher';
import { createValidator } from '../../src/core/validator';
import { defineProcedure, type Services } from '../../src/core/procedure';
import type { AccessRule } from '../../src/core/access';
import { noParams } from '../../schemas/common';
import { jsonRpcRouter } from '../../src/adapters/jsonrpc/router';
import { UNLIMITED } from '../../src/core/rateLimit';
import { requestIdMiddleware } from '../../src/adapters/http/requestId';
import { observeRequests, requestLogLine } from '../../src/adapters/http/requestLog';
import { observedDispatcher } from '../../src/observability/instrument';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { listen, openExchange, postRequest, rawExchange, type Listening } from '../helpers/rawHttp';

/** What the test procedures did: pages read, and whether their page source was closed. */
const events: string[] = [];

/**
 * `pages` pages of `rows` rows, each row a string of `width` characters, read from the database;
 * the page numbered `failAt` fails in the database (division by zero).
 */
async function* numberedPages(db: Knex, pages: number, rows: number, width: number, failAt: number | null): AsyncGenerator<unknown[]> {
  try {
    for (let page = 0; page < pages; page += 1) {
      if (page === failAt) await db.raw('select 1 / (? - ?) as boom', [page, page]);
      const result = await db.raw('select n, repeat(?, ?) as s from generate_series(?::int, ?::int) as n', ['x', width, page * rows + 1, (page + 1) * rows]);
      events.push(`page ${page}`);
      yield result.rows as unknown[];
    }
  } finally {
    events.push('source closed');
  }
}

const streamed = (name: string, pages: number, rows: number, width: number, failAt: number | null) =>
  defineProcedure({
    name,
    description: name,
    params: [],
    schema: noParams(name),
    result: { type: 'array' },
    writes: false,
    failure: [],
    streams: true,
    handler: async (_p, ctx) => numberedPages(ctx.db, pages, rows, width, failAt),
  });

const registry = [
  streamed('threePages', 3, 10, 1, null),
  streamed('failsFirst', 3, 10, 1, 0),
  streamed('failsSecond', 3, 10, 1, 1),
  // 40 pages of 1 MB: more than socket buffers hold, so a client that reads nothing stalls the answer
  streamed('large', 40, 100, 10_000, null),
];

let db: TestDatabase;
let server: Listening;
const logs: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger('info', sink);
  const admin: AccessRule = { app: true, user: 'app-admin' };
  const dispatcher = createDispatcher({
    registry,
    validator: createValidator(registry),
    db: db.knex,
    services: {} as Services,
    logger,
    access: new Map(registry.map((p) => [p.name, admin])),
  });
  const app = express();
  app.use(requestIdMiddleware);
  app.use(observeRequests([requestLogLine(logger)]));
  app.use(
    jsonRpcRouter({
      dispatcher: observedDispatcher(dispatcher),
      authenticator: { authenticate: async () => ({ kind: 'app' }) },
      batchLimit: 10,
      bodyLimit: 100_000,
      apiAuthHeader: undefined,
      rateLimiter: UNLIMITED,
      logger,
      componentEnabled: async () => true,
      streamStallMs: 500,
    }),
  );
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
  await db.close();
});
beforeEach(() => {
  events.length = 0;
});

const body = (method: string, id: unknown = 1) => JSON.stringify({ jsonrpc: '2.0', method, id });
const call = (endpoint: string, method: string, requestId: string) => rawExchange(server.port, postRequest(endpoint, body(method), { 'X-Request-Id': requestId }));

function logLines(requestId: string): Record<string, unknown>[] {
  return logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.requestId === requestId);
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 250 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

/** The snapshot is closed: its connection is back in the pool (PGlite has only that one). */
async function expectDatabaseFree(): Promise<void> {
  const pool = (db.knex.client as { pool?: { numUsed(): number } }).pool;
  await waitFor(() => !pool || pool.numUsed() === 0, 'the connection to return to the pool');
  expect((await db.knex.raw('select 1 as one')).rows).toEqual([{ one: 1 }]);
}

test('pages are written as they are read, the snapshot closed after the last', async () => {
  const answer = await call('/rpc', 'threePages', 'ok-1');
  expect(answer.complete).toBe(true);
  expect(answer.chunks.map((c) => c.toString())).toEqual([
    `{"jsonrpc":"2.0","result":[${rowsJson(0)}`,
    `,${rowsJson(1)}`,
    `,${rowsJson(2)}`,
    '],"id":1}',
  ]);
  expect(events).toEqual(['page 0', 'page 1', 'page 2', 'source closed']);
  await expectDatabaseFree();
});

function rowsJson(page: number): string {
  return Array.from({ length: 10 }, (_, i) => JSON.stringify({ n: page * 10 + i + 1, s: 'x' })).join(',');
}

test.each([
  ['/rpc', '{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error","data":{"requestId":"first-rpc"}},"id":1}'],
  ['/jsonrpc.php', '{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error","data":{"requestId":"first-jsonrpc.php"}},"id":1}'],
])('%s: a failure on the first page is an ordinary error answer', async (endpoint, expected) => {
  const requestId = `first-${endpoint.slice(1)}`;
  const answer = await call(endpoint, 'failsFirst', requestId);
  expect(answer.status).toBe(200);
  expect(answer.complete).toBe(true);
  expect(answer.headers['content-length']).toBeDefined();
  expect(answer.body.toString()).toBe(expected);
  expect(events).toEqual(['source closed']);
  await waitFor(() => logLines(requestId).some((l) => l.msg === 'request completed'), 'the request line');
  const lines = logLines(requestId);
  expect(lines.filter((l) => l.msg === 'unexpected error in procedure')).toHaveLength(1);
  expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({ outcome: 'server_error', status: 200 });
  await expectDatabaseFree();
});

test('a failure after the answer began cuts the connection; logged, a server error, the snapshot closed', async () => {
  const answer = await call('/rpc', 'failsSecond', 'mid-1');
  expect(answer.complete).toBe(false); // never a complete-looking answer
  expect(answer.body.toString()).not.toContain('"error"');
  expect(answer.body.toString()).not.toContain('],"id":1}');
  expect(events).toEqual(['page 0', 'source closed']);
  await waitFor(() => logLines('mid-1').some((l) => l.msg === 'request completed'), 'the request line');
  const lines = logLines('mid-1');
  expect(lines.find((l) => l.msg === 'unexpected error in procedure')).toMatchObject({ level: 50, procedure: 'failsSecond' });
  expect(lines.find((l) => String(l.msg).startsWith('JSON-RPC answer cut off'))).toMatchObject({ level: 50, code: 'INTERNAL' });
  expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({ level: 40, outcome: 'server_error', cutOff: true, route: 'failsSecond' });
  await expectDatabaseFree();
});

test('a client that stops reading is cut off after the stall time; the rest is never read', async () => {
  const socket = await openExchange(server.port, postRequest('/rpc', body('large'), { 'X-Request-Id': 'stall-1' }));
  socket.pause(); // takes nothing
  await waitFor(() => logLines('stall-1').some((l) => l.msg === 'request completed'), 'the request line');
  expect(logLines('stall-1').find((l) => l.msg === 'request completed')).toMatchObject({ outcome: 'aborted' });
  await waitFor(() => events.includes('source closed'), 'the source to close');
  // the page being sent and the one read ahead, at most, beyond what the socket buffers took
  expect(events.filter((e) => e.startsWith('page')).length).toBeLessThan(40);
  socket.destroy();
  await expectDatabaseFree();
});

test('a client that goes away mid-answer: the rest is never read', async () => {
  const socket = await openExchange(server.port, postRequest('/rpc', body('large'), { 'X-Request-Id': 'gone-1' }));
  await new Promise((resolve) => socket.once('data', resolve));
  socket.destroy();
  await waitFor(() => events.includes('source closed'), 'the source to close');
  expect(events.filter((e) => e.startsWith('page')).length).toBeLessThan(40);
  await waitFor(() => logLines('gone-1').some((l) => l.msg === 'request completed'), 'the request line');
  expect(logLines('gone-1').find((l) => l.msg === 'request completed')).toMatchObject({ outcome: 'aborted' });
  await expectDatabaseFree();
});

test('in a batch a streamed result is read whole, and its failure is the element\'s error', async () => {
  const batch = JSON.stringify([JSON.parse(body('threePages', 1)), JSON.parse(body('failsSecond', 2))]);
  const answer = await rawExchange(server.port, postRequest('/rpc', batch, { 'X-Request-Id': 'batch-1' }));
  const all = Array.from({ length: 30 }, (_, i) => ({ n: i + 1, s: 'x' }));
  expect(answer.body.toString()).toBe(
    JSON.stringify([
      { jsonrpc: '2.0', result: all, id: 1 },
      { jsonrpc: '2.0', error: { code: -32603, message: 'Internal error', data: { requestId: 'batch-1' } }, id: 2 },
    ]),
  );
  await expectDatabaseFree();
});
