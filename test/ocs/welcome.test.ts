/**
 * The welcome email over OCS (ocs-provisioning §6.16, §6.3 after commit, §9) with real SMTP servers.
 * Several app instances with different mail settings share one database seeded with the §11 fixtures.
 */
import type { AddressObject } from 'mailparser';
import { startTestApp, type TestApp } from '../helpers/app';
import { as, createOcsUser, ocsJson, ocsRequest, PASSWORD, seedOcsFixtures, type OcsHttpMethod, type OcsRequestOptions } from '../helpers/ocs';
import { SMTP_TEST_PASS, startSilentServer, startSmtpServer, type ReceivedMessage, type SilentServer, type TestSmtpServer } from '../helpers/smtp';

type Options = Omit<OcsRequestOptions, 'format'>;

const MAIL_FROM = 'Roster <roster@example.org>';
const PUBLIC_URL = 'https://roster.example.org/';
const FAILED = 'Sending email failed';
const textFor = (name: string, login: string, url: string) =>
  [`Hello ${name},`, '', 'an account has been created for you.', '', `Login name: ${login}`, `Service:    ${url}`, '', `This message was sent by an administrator of ${url}.`, ''].join('\n');

async function expectFailure(t: TestApp, method: OcsHttpMethod, path: string, options: Options, statuscode: number, message: string, v2Http: number) {
  for (const version of [1, 2] as const) {
    const a = await ocsJson(t, method, version, path, options);
    expect({ version, http: a.status, statuscode: a.statuscode, message: a.message, data: a.data }).toEqual({ version, http: version === 1 ? 200 : v2Http, statuscode, message, data: [] });
  }
}

async function ok(t: TestApp, method: OcsHttpMethod, path: string, options: Options = {}): Promise<void> {
  const a = await ocsJson(t, method, 1, path, options);
  expect({ http: a.status, statuscode: a.statuscode, message: a.message, text: a.text }).toMatchObject({ http: 200, statuscode: 100, message: 'OK' });
}

function firstAddress(field: AddressObject | AddressObject[] | undefined) {
  return (Array.isArray(field) ? field[0] : field)?.value[0];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const failureLines = (t: TestApp, from = 0) =>
  t.logs.slice(from).filter((line) => line.includes('welcome email failed')).map((line) => ({ line, parsed: JSON.parse(line) as Record<string, unknown> }));

let good: TestSmtpServer;
let rejecting: TestSmtpServer;
let silent: SilentServer;
let crowded: SilentServer;
let main: TestApp;
let noSmtp: TestApp;
let noPublic: TestApp;
let refused: TestApp;
let quick: TestApp;
let slow: TestApp;
let noWelcome: TestApp;
let limited: TestApp;

beforeAll(async () => {
  good = await startSmtpServer();
  rejecting = await startSmtpServer({ reject: { code: 550, message: 'Mailbox unavailable' } });
  silent = await startSilentServer();
  crowded = await startSilentServer();
  main = await startTestApp({ env: { SMTP_URL: good.url, MAIL_FROM, PUBLIC_URL } });
  const on = (env: Record<string, string>) => startTestApp({ env, db: main.db });
  noSmtp = await on({ PUBLIC_URL });
  noPublic = await on({ SMTP_URL: good.url, MAIL_FROM });
  refused = await on({ SMTP_URL: rejecting.url, MAIL_FROM, PUBLIC_URL });
  quick = await on({ SMTP_URL: silent.url, MAIL_FROM, PUBLIC_URL, SMTP_TIMEOUT_MS: '500' });
  slow = await on({ SMTP_URL: silent.url, MAIL_FROM, PUBLIC_URL, SMTP_TIMEOUT_MS: '3000' });
  noWelcome = await on({ SMTP_URL: good.url, MAIL_FROM, PUBLIC_URL, OCS_SEND_WELCOME_EMAIL: 'false' });
  limited = await on({ SMTP_URL: crowded.url, MAIL_FROM, PUBLIC_URL, SMTP_TIMEOUT_MS: '1500' });
  await seedOcsFixtures(main);
  await good.waitForMessages(1); // alice was created with an email
}, 120_000);

afterAll(async () => {
  for (const t of [limited, noWelcome, slow, quick, refused, noPublic, noSmtp, main]) await t?.close();
  for (const server of [good, rejecting, silent, crowded]) await server?.close();
});

/** Messages that arrive on the good server after `from`, once `count` of them are there (and a short quiet time). */
async function arrived(from: number, count: number): Promise<ReceivedMessage[]> {
  await good.waitForMessages(from + count);
  await sleep(300);
  return good.messages.slice(from);
}

describe('POST /users/{id}/welcome: checks', () => {
  test('case 29: a user without email → 101 "Email address not available"', async () => {
    await expectFailure(main, 'POST', 'users/bob/welcome', {}, 101, 'Email address not available', 400);
  });

  test('a missing user → 998 ""; a user the subadmin cannot access → 998 ""; a plain caller → 403', async () => {
    await expectFailure(main, 'POST', 'users/nobody/welcome', {}, 998, '', 404);
    for (const target of ['plain', 'alice', 'admin']) await expectFailure(main, 'POST', `users/${target}/welcome`, { caller: as('sub') }, 998, '', 404);
    await expectFailure(main, 'POST', 'users/carol/welcome', { caller: as('sub') }, 101, 'Email address not available', 400);
    await expectFailure(main, 'POST', 'users/alice/welcome', { caller: as('plain') }, 403, 'Logged in account must be at least a sub admin', 403);
  });

  test('SMTP not configured → 102 "Sending email failed"; the missing email is checked first', async () => {
    const before = good.messages.length;
    await expectFailure(noSmtp, 'POST', 'users/alice/welcome', {}, 102, FAILED, 400);
    await expectFailure(noSmtp, 'POST', 'users/bob/welcome', {}, 101, 'Email address not available', 400);
    await expectFailure(noSmtp, 'POST', 'users/nobody/welcome', {}, 998, '', 404);
    expect(good.messages.length).toBe(before);
  });
});

describe('POST /users/{id}/welcome: delivery', () => {
  test('success → 100 and exactly one §9 message: recipient, sender, subject, text, HTML, no password', async () => {
    const from = good.messages.length;
    await ok(main, 'POST', 'users/alice/welcome');
    const messages = await arrived(from, 1);
    expect(messages).toHaveLength(1);
    const [{ parsed, raw, envelope }] = messages;
    expect(envelope).toEqual({ mailFrom: 'roster@example.org', rcptTo: ['alice@example.com'] });
    expect(firstAddress(parsed.to)).toEqual({ name: 'Alice Adams', address: 'alice@example.com' });
    expect((parsed.to as AddressObject).text).toBe('"Alice Adams" <alice@example.com>');
    expect(firstAddress(parsed.from)).toEqual({ name: 'Roster', address: 'roster@example.org' });
    expect(parsed.subject).toBe('Your account on roster.example.org was created');
    expect(parsed.text).toBe(textFor('Alice Adams', 'alice', PUBLIC_URL));
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(parsed.html).toContain('<p>Hello Alice Adams,</p>');
    expect(parsed.html).toContain('Login name: <strong>alice</strong>');
    expect(parsed.html).toContain(`<a href="${PUBLIC_URL}">${PUBLIC_URL}</a>`);
    expect(raw.toString('utf8')).not.toContain(PASSWORD);
    expect(`${parsed.text}\n${parsed.html}`).not.toMatch(/password|token|reset/i);
  });

  test('HTML values are escaped; v2 answers 200', async () => {
    await createOcsUser(noWelcome, { userid: 'tom', email: 'tom@example.com', displayName: '<b>Tom & "Jerry"</b>' });
    const from = good.messages.length;
    const v2 = await ocsJson(main, 'POST', 2, 'users/tom/welcome');
    expect([v2.status, v2.statuscode, v2.data]).toEqual([200, 200, []]);
    const [{ parsed }] = await arrived(from, 1);
    expect(parsed.text).toBe(textFor('<b>Tom & "Jerry"</b>', 'tom', PUBLIC_URL));
    expect(parsed.html).toContain('Hello &lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;,');
    expect(parsed.html).not.toContain('<b>Tom');
  });

  test('a subadmin sends to an accessible member; the path id resolves case-insensitively', async () => {
    await createOcsUser(noWelcome, { userid: 'dora', email: 'dora@example.com', groups: ['team'] });
    const first = good.messages.length;
    await ok(main, 'POST', 'users/dora/welcome', { caller: as('sub') });
    const [dora] = await arrived(first, 1);
    expect(dora.envelope.rcptTo).toEqual(['dora@example.com']);
    expect(dora.parsed.text).toBe(textFor('dora', 'dora', PUBLIC_URL));
    const second = good.messages.length;
    await ok(main, 'POST', 'users/ALICE/welcome');
    const [alice] = await arrived(second, 1);
    expect(alice.envelope.rcptTo).toEqual(['alice@example.com']);
  });

  test('at most 2 SMTP connections at once; a queued send times out within its own deadline', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => ocsJson(limited, 'POST', 1, 'users/alice/welcome')));
    expect(answers.map((a) => [a.status, a.statuscode, a.message])).toEqual([1, 2, 3].map(() => [200, 102, FAILED]));
    expect(crowded.connections.maxOpen).toBeLessThanOrEqual(2);
    expect(crowded.connections.total).toBeGreaterThanOrEqual(1);
  });

  test('without PUBLIC_URL the service URL comes from the request Host header', async () => {
    let from = good.messages.length;
    await ok(noPublic, 'POST', 'users/alice/welcome');
    let [{ parsed }] = await arrived(from, 1);
    const host = /^Your account on (127\.0\.0\.1:\d+) was created$/.exec(parsed.subject ?? '')?.[1];
    expect(host).toBeDefined();
    expect(parsed.text).toBe(textFor('Alice Adams', 'alice', `http://${host}/`));

    from = good.messages.length;
    await ok(noPublic, 'POST', 'users/alice/welcome', { headers: { Host: 'intranet.example:8080' } });
    [{ parsed }] = await arrived(from, 1);
    expect(parsed.subject).toBe('Your account on intranet.example:8080 was created');
    expect(parsed.text).toBe(textFor('Alice Adams', 'alice', 'http://intranet.example:8080/'));
  });

  test('the server refuses with 550 → 102, logged once with the request id, username and smtpCode, never the body', async () => {
    const mark = refused.logs.length;
    const res = await ocsRequest(refused, 'POST', 2, 'users/alice/welcome', { format: 'json', headers: { 'X-Request-Id': 'welcome-550' } });
    expect([res.status, res.body.ocs.meta]).toEqual([400, { status: 'failure', statuscode: 102, message: FAILED }]);
    const lines = failureLines(refused, mark);
    expect(lines).toHaveLength(1);
    expect(lines[0].parsed).toMatchObject({ requestId: 'welcome-550', username: 'alice', smtpCode: 550 });
    expect(refused.logs.slice(mark).filter((line) => line.includes('"smtpCode":550'))).toHaveLength(1);
    for (const secret of ['an account has been created', 'Login name', 'Hello Alice', SMTP_TEST_PASS]) expect(lines[0].line).not.toContain(secret);
    expect(rejecting.messages).toHaveLength(0);
  });

  test('case 30: a silent server with SMTP_TIMEOUT_MS=500 → 102 after the timeout, while GET /users is answered first', async () => {
    const connections = silent.connections.total;
    const order: string[] = [];
    const started = Date.now();
    const welcome = ocsJson(quick, 'POST', 2, 'users/alice/welcome').then((answer) => {
      order.push('welcome');
      return { answer, elapsed: Date.now() - started };
    });
    await until(() => silent.connections.total > connections || order.length > 0, 'the SMTP connection');
    const users = await ocsJson(quick, 'GET', 1, 'users');
    order.push('users');
    expect(users.statuscode).toBe(100);
    expect(users.data).toEqual({ users: expect.arrayContaining(['admin', 'alice', 'bob', 'carol', 'plain', 'sub']) });
    const { answer, elapsed } = await welcome;
    expect(order).toEqual(['users', 'welcome']);
    expect([answer.status, answer.statuscode, answer.message]).toEqual([400, 102, FAILED]);
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(10000);
    expect(failureLines(quick).at(-1)?.parsed).toMatchObject({ username: 'alice', reason: 'timeout' });
  });
});

describe('welcome email on POST /users (after commit, never waited for)', () => {
  test('with a working server the message arrives; the greeting falls back to the user id', async () => {
    const from = good.messages.length;
    await createOcsUser(main, { userid: 'frank', email: 'frank@example.com' });
    const [{ parsed, envelope }] = await arrived(from, 1);
    expect(envelope.rcptTo).toEqual(['frank@example.com']);
    expect(firstAddress(parsed.to)).toEqual({ name: 'frank', address: 'frank@example.com' });
    expect(parsed.text).toBe(textFor('frank', 'frank', PUBLIC_URL));
    expect(parsed.text).not.toContain(PASSWORD);
  });

  test('a silent server: the POST answers 100 before the send has failed; the failure is only logged', async () => {
    const connections = silent.connections.total;
    const mark = slow.logs.length;
    const created = await ocsJson(slow, 'POST', 2, 'users', { form: { userid: 'sam', password: PASSWORD, email: 'sam@example.com' } });
    expect([created.status, created.statuscode, created.data]).toEqual([200, 200, { id: 'sam' }]);
    expect(failureLines(slow, mark)).toHaveLength(0);
    await until(() => silent.connections.total > connections, 'the SMTP connection of the creation');
    await until(() => failureLines(slow, mark).length > 0, 'the logged failure');
    expect(failureLines(slow, mark).map((l) => l.parsed)).toEqual([expect.objectContaining({ username: 'sam', reason: 'timeout' })]);
    expect(await main.knex('users').where({ username: 'sam' }).first('email')).toEqual({ email: 'sam@example.com' });
  });

  test('an SMTP refusal on creation does not change the 100', async () => {
    const mark = refused.logs.length;
    await createOcsUser(refused, { userid: 'rita', email: 'rita@example.com' });
    await until(() => failureLines(refused, mark).length > 0, 'the logged refusal');
    expect(failureLines(refused, mark).map((l) => l.parsed)).toEqual([expect.objectContaining({ username: 'rita', smtpCode: 550 })]);
    expect(await main.knex('users').where({ username: 'rita' }).first('username')).toEqual({ username: 'rita' });
  });

  test('OCS_SEND_WELCOME_EMAIL=false, creation without email and refused creations send nothing', async () => {
    const from = good.messages.length;
    await createOcsUser(noWelcome, { userid: 'nina', email: 'nina@example.com' });
    await createOcsUser(main, { userid: 'noemail' });
    await createOcsUser(main, { userid: 'noemail2', displayName: 'No Mail' });
    const refusedCreations: Record<string, string | string[]>[] = [
      { userid: 'badquota', password: PASSWORD, email: 'badquota@example.com', quota: 'ABC' },
      { userid: 'ALICE', password: PASSWORD, email: 'alice2@example.com' },
      { userid: 'nogroup', password: PASSWORD, email: 'nogroup@example.com', groups: ['missing'] },
    ];
    for (const form of refusedCreations) expect((await ocsJson(main, 'POST', 1, 'users', { form })).statuscode).not.toBe(100);
    await ok(main, 'POST', 'users/alice/welcome'); // the sentinel, sent after both creations
    const messages = await arrived(from, 1);
    expect(messages.map((m) => m.envelope.rcptTo)).toEqual([['alice@example.com']]);
  });
});
