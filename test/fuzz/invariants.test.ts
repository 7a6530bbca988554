/**
 * The fuzzer's own checks can fail: answers that break a rule are caught (5xx, internal errors,
 * stack traces, SQL, HTML, a body that is not JSON or OCS XML), text the fuzzer sent itself is not
 * mistaken for a leak, a refused JSON-RPC batch with a notification is not called rejected, the
 * digest sees a changed row but not the login counters, and a run is the same for the same seed.
 */
import { registry } from '../../procedures';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { parseAnswer } from '../helpers/rawHttp';
import { changedTables, databaseDigester } from './digest';
import { answerProblems, outcomeOf, Taint } from './invariants';
import { generateRequest } from './runner';
import { sweepCases } from './sweep';
import { requestBytes, type Exchange, type FuzzRequest, type FuzzSurface } from './wire';
import type { Fixture } from './fixture';

function request(surface: FuzzSurface, body = '{}', headers: [string, string][] = [['Content-Type', 'application/json']], target = '/rpc'): FuzzRequest {
  return { surface, label: 'test', wire: { method: 'POST', target, headers, body: Buffer.from(body), framing: 'length', mutations: [] } };
}

function answer(status: number, body: string, contentType = 'application/json'): Exchange {
  const raw = `HTTP/1.1 ${status} X\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  return { answer: parseAnswer(Buffer.from(raw)), timedOut: false };
}

describe('answer checks', () => {
  const rpc = request('rpc');
  test('a clean JSON-RPC answer has no problems', () => {
    expect(answerProblems(rpc, answer(200, '{"jsonrpc":"2.0","result":true,"id":1}'), new Taint())).toEqual([]);
  });

  test.each([
    ['a 500', answer(500, '{"message":"Internal error"}'), ['HTTP 500']],
    ['an internal error', answer(200, '{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error"},"id":1}'), ['JSON-RPC -32603 internal error']],
    ['a stack trace', answer(200, '{"e":"TypeError: x\\n    at run (/work/main/src/core/dispatcher.ts:10:5)"}'), expect.arrayContaining([expect.stringMatching(/^leak: stack frame/), expect.stringMatching(/^leak: error class/)])],
    ['SQL', answer(200, '{"e":"duplicate key value violates unique constraint \\"users_username_unique\\""}'), [expect.stringMatching(/^leak: SQL error/)]],
    ['SQL text', answer(200, '{"e":"insert into \\"users\\" (\\"username\\") values ($1)"}'), expect.arrayContaining([expect.stringMatching(/^leak: SQL/)])],
    ['an HTML page', answer(404, '<!DOCTYPE html><html lang="en"><title>Error</title><pre>Cannot POST /x</pre>', 'text/html'), expect.arrayContaining(['unexpected body of type "text/html"'])],
    ['a JSON type with another body', answer(200, 'not json'), ['invalid JSON body (application/json)']],
    ['a hang', { ...answer(200, '{}'), timedOut: true }, ['no answer in time (hang)']],
  ])('%s is a problem', (_name, result, problems) => {
    expect(answerProblems(rpc, result, new Taint())).toEqual(problems);
  });

  test('text the fuzzer sent may come back as data; other leak markers still count', () => {
    const taint = new Taint();
    const body = '{"jsonrpc":"2.0","result":{"name":"\') UNION SELECT password FROM users --"},"id":1}';
    expect(answerProblems(rpc, answer(200, body), taint)).toEqual([expect.stringMatching(/^leak: SQL keyword/)]);
    taint.note(requestBytes(request('rpc', '{"params":{"name":"\') UNION SELECT password FROM users --"}}').wire));
    expect(answerProblems(rpc, answer(200, body), taint)).toEqual([]);
    expect(answerProblems(rpc, answer(200, '{"e":"syntax error at or near \\"x\\""}'), taint)).toEqual([expect.stringMatching(/^leak: SQL error/)]);
  });

  test('OCS: any 500 and any 996 is a problem, malformed bodies and 999 included; 400 and 999 with HTTP 400 are not', () => {
    const xml = (code: number) => `<?xml version="1.0"?>\n<ocs><meta><statuscode>${code}</statuscode></meta><data/></ocs>`;
    const ocs = (body: string) => request('ocs', body, [['Content-Type', 'application/json']], '/ocs/v2.php/cloud/groups/x');
    expect(answerProblems(ocs('{"key":"x"}'), answer(500, xml(999), 'application/xml; charset=utf-8'), new Taint())).toEqual(['HTTP 500']);
    expect(answerProblems(ocs('{"key":'), answer(500, xml(996), 'application/xml; charset=utf-8'), new Taint())).toEqual(['HTTP 500', 'OCS 996 internal error']);
    expect(answerProblems(ocs('{"key":"x"}'), answer(400, xml(999), 'application/xml; charset=utf-8'), new Taint())).toEqual([]);
    expect(answerProblems(ocs('{"key":'), answer(400, xml(400), 'application/xml; charset=utf-8'), new Taint())).toEqual([]);
    expect(answerProblems(ocs('{"key":"x"}'), answer(500, xml(996), 'application/xml; charset=utf-8'), new Taint())).toEqual(['HTTP 500', 'OCS 996 internal error']);
  });
});

describe('outcomes', () => {
  test('JSON-RPC: an error or a failure value is rejected; a result is accepted', () => {
    expect(outcomeOf(request('rpc'), answer(200, '{"jsonrpc":"2.0","error":{"code":-32602},"id":1}'))).toBe('rejected');
    expect(outcomeOf(request('jsonrpc'), answer(200, '{"jsonrpc":"2.0","result":false,"id":1}'))).toBe('rejected');
    expect(outcomeOf(request('rpc'), answer(200, '{"jsonrpc":"2.0","result":7,"id":1}'))).toBe('accepted');
    expect(outcomeOf(request('rpc'), answer(401, '{}'))).toBe('rejected');
  });

  test('a batch of errors is not rejected when it holds a notification (its outcome is not in the answer)', () => {
    const batch = '[{"jsonrpc":"2.0","method":"getMe","id":1},{"jsonrpc":"2.0","method":"createGroup","params":{"name":"n"}}]';
    const errors = '[{"jsonrpc":"2.0","error":{"code":-32003},"id":1}]';
    expect(outcomeOf(request('rpc', batch), answer(200, errors))).toBe('unknown');
    expect(outcomeOf(request('rpc', batch.replace('"name":"n"}', '"name":"n"},"id":2')), answer(200, errors))).toBe('rejected');
  });

  test('OCS: by statuscode; nmcuser_oidc: by HTTP status', () => {
    expect(outcomeOf(request('ocs'), answer(200, '{"ocs":{"meta":{"statuscode":100}}}'))).toBe('accepted');
    expect(outcomeOf(request('ocs'), answer(200, '{"ocs":{"meta":{"statuscode":102}}}'))).toBe('rejected');
    expect(outcomeOf(request('nmcuser_oidc'), answer(409, '{"message":"x"}'))).toBe('rejected');
  });
});

describe('database digest', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  }, 60_000);
  afterAll(() => db.close());

  test('a changed row changes its table; login counters do not', async () => {
    const digest = await databaseDigester(db.knex);
    await db.knex('users').insert({ id: 1, username: 'u1', role: 'app-admin' });
    const before = await digest();
    await db.knex('users').where({ id: 1 }).update({ nb_failed_login: 3, lock_expiration_date: 99, last_login: 5 });
    expect(changedTables(before, await digest())).toEqual([]);
    await db.knex('groups').insert({ name: 'g' });
    await db.knex('users').where({ id: 1 }).update({ name: 'x' });
    expect(changedTables(before, await digest()).sort()).toEqual(['groups', 'users']);
  });
});

describe('generation', () => {
  const fixture: Fixture = {
    targets: { userIds: [1, 2], usernames: ['admin'], groupIds: [1], groupNames: ['admin'], projectIds: [1], projectNames: ['P'], identifiers: ['P'], emails: [''], providerIds: [1], providers: ['Telekom'], oidcUserIds: ['o'], appIds: ['jsonrpc'] },
    credentials: Object.fromEntries(['app', 'admin', 'manager', 'member', 'sub', 'appPassword', 'wrongPassword', 'wrongToken', 'unknownUser', 'sqlUser', 'nulUser', 'digestAsSecret'].map((k) => [k, `Basic ${k}`])),
    restore: async () => {},
  };

  test('request n depends only on the seed and n', () => {
    const cases = sweepCases(registry, 's');
    const bytes = (seed: string, n: number) => requestBytes(generateRequest(seed, n, fixture, registry, cases).wire).toString('latin1');
    for (const n of [0, 3, 17, 250]) expect(bytes('s', n)).toBe(bytes('s', n));
    expect([0, 1, 2, 4].map((n) => bytes('s', n))).not.toEqual([0, 1, 2, 4].map((n) => bytes('t', n)));
  });

  test('the sweep covers every parameter of every JSON-RPC procedure with all seven JSON types', () => {
    const cases = sweepCases(registry, 's');
    const createUser = cases.filter((c) => c.surface === 'jsonrpc' && c.target === 'createUser');
    expect(createUser).toHaveLength(5 * 7);
    expect(new Set(cases.filter((c) => c.surface === 'ocs').map((c) => c.param))).toEqual(
      new Set(['search', 'limit', 'offset', 'userid', 'password', 'displayName', 'email', 'groups', 'subadmin', 'quota', 'language', 'key', 'value', 'groupid', 'displayname', 'filter']),
    );
  });
});
