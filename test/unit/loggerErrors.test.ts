/**
 * Logged errors carry no database values: PGlite attaches every bound value of the failed statement
 * (`params`: password hashes, the SHA-256 of a login secret) and Postgres quotes row values in
 * `detail`; the `err` serializer censors those members at any depth and keeps everything else.
 */
import { Writable } from 'node:stream';
import { CENSOR, createLogger, serializeError, withSecretKeys } from '../../src/logger';

const HASH = '$2b$10$yFyHZ2HxwmIv60cje8h5t.gzcYNF9W3jL1jAP3wp8.WlJrEM5OajO';
const DIGEST = '6c463a5aa39d41e6ea1be9c62e218455ab4404429f989410f522d7d1f0035ed6';

/** A database error as PGlite and node-postgres build it. */
function databaseError(): Error {
  return Object.assign(new Error('insert into "users" ("password", "username") values ($1, $2) returning "id" - boom'), {
    code: 'P0001',
    severity: 'ERROR',
    detail: `Failing row contains (7, canary, ${HASH})`,
    where: `PL/pgSQL function f() line 1 at RAISE: ${HASH}`,
    internalQuery: `SELECT '${DIGEST}'`,
    query: 'insert into "users" ("password", "username") values ($1, $2) returning "id"',
    params: [HASH, 'canary'],
    table: 'users',
    constraint: 'users_check',
  });
}

function capture(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  return { lines, sink: new Writable({ write: (chunk, _enc, done) => done(void lines.push(String(chunk))) }) };
}

test('a logged database error keeps its code, message, query and location, never its values', () => {
  const { lines, sink } = capture();
  const logger = withSecretKeys(createLogger('trace', sink), ['X-API-Auth']);
  logger.error({ err: databaseError(), requestId: 'r1' }, 'unexpected error in procedure');
  logger.error(databaseError(), 'as the first argument');
  const wrapped = new Error('outer', { cause: databaseError() });
  logger.error({ err: Object.assign(wrapped, { inner: databaseError() }) }, 'nested');
  logger.error({ err: new AggregateError([databaseError()], 'many') }, 'aggregated');
  expect(lines).toHaveLength(4);
  for (const line of lines) {
    expect(line).not.toContain(HASH);
    expect(line).not.toContain(DIGEST);
  }
  const first = JSON.parse(lines[0]) as { err: Record<string, unknown> };
  expect(first.err).toMatchObject({
    type: 'Error',
    code: 'P0001',
    table: 'users',
    constraint: 'users_check',
    query: 'insert into "users" ("password", "username") values ($1, $2) returning "id"',
    params: CENSOR,
    detail: CENSOR,
    where: CENSOR,
    internalQuery: CENSOR,
  });
  expect(first.err.message).toContain('- boom');
  expect(first.err.stack).toEqual(expect.stringContaining('databaseError'));
  expect(JSON.parse(lines[2]).err.inner).toMatchObject({ code: 'P0001', params: CENSOR, detail: CENSOR });
  expect(JSON.parse(lines[3]).err.aggregateErrors[0]).toMatchObject({ code: 'P0001', params: CENSOR });
});

test('members named like secrets are censored on errors too; non-errors pass through', () => {
  const error = Object.assign(new Error('x'), { password: 'pw', apiToken: 't', when: new Date(0), count: 3 });
  expect(serializeError(error)).toMatchObject({ password: CENSOR, apiToken: CENSOR, when: new Date(0), count: 3 });
  expect(serializeError('text')).toBe('text');
});
