/**
 * Welcome email (ocs-provisioning §9) against real SMTP servers started by the test.
 */
import type { AddressObject } from 'mailparser';
import type { WelcomeMessage } from '../../src/core/procedure';
import { composeWelcomeMail, createMailService, MailError, type MailOptions } from '../../src/mail/welcomeMail';
import { closedPort, SMTP_TEST_PASS, SMTP_TEST_USER, startSilentServer, startSmtpServer, type SilentServer, type TestSmtpServer } from '../helpers/smtp';

const ALICE: WelcomeMessage = {
  displayName: 'Alice Adams',
  email: 'alice@example.org',
  username: 'alice',
  serviceUrl: 'https://roster.example.org/',
};

const ALICE_TEXT = [
  'Hello Alice Adams,',
  '',
  'an account has been created for you.',
  '',
  'Login name: alice',
  'Service:    https://roster.example.org/',
  '',
  'This message was sent by an administrator of https://roster.example.org/.',
].join('\n');

const MAIL_FROM = 'Roster <roster@example.org>';

interface LogLine {
  level: 'error' | 'info';
  details: Record<string, unknown>;
  msg: string;
}

function recordingLogger(): { lines: LogLine[]; logger: MailOptions['logger'] } {
  const lines: LogLine[] = [];
  return {
    lines,
    logger: {
      error: (details, msg) => lines.push({ level: 'error', details: details as Record<string, unknown>, msg }),
      info: (details, msg) => lines.push({ level: 'info', details: details as Record<string, unknown>, msg }),
    },
  };
}

/** Every service and server a test starts is closed after it. */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function service(over: Partial<MailOptions> & { smtpUrl: string | undefined }) {
  const log = recordingLogger();
  const mail = createMailService({ mailFrom: MAIL_FROM, timeoutMs: 10000, logger: log.logger, ...over });
  cleanups.push(() => mail.close());
  return { mail, lines: log.lines };
}

async function smtpServer(options?: Parameters<typeof startSmtpServer>[0]): Promise<TestSmtpServer> {
  const server = await startSmtpServer(options);
  cleanups.push(() => server.close());
  return server;
}

async function silentServer(): Promise<SilentServer> {
  const server = await startSilentServer();
  cleanups.push(() => server.close());
  return server;
}

function firstAddress(field: AddressObject | AddressObject[] | undefined) {
  const object = Array.isArray(field) ? field[0] : field;
  return object?.value[0];
}

async function rejection(promise: Promise<unknown>): Promise<MailError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(MailError);
    return error as MailError;
  }
  throw new Error('expected the send to fail');
}

describe('composeWelcomeMail', () => {
  it('builds the §9 subject and text', () => {
    const mail = composeWelcomeMail(ALICE);
    expect(mail.subject).toBe('Your account on roster.example.org was created');
    expect(mail.text).toBe(ALICE_TEXT + '\n');
  });

  it('keeps the port in the subject host', () => {
    expect(composeWelcomeMail({ ...ALICE, serviceUrl: 'http://localhost:8080/roster/' }).subject).toBe('Your account on localhost:8080 was created');
  });

  it('escapes every value in the HTML part', () => {
    const mail = composeWelcomeMail({
      displayName: '<b>Tom & "Jerry"</b>',
      email: 'tom@example.org',
      username: "o'<x>",
      serviceUrl: 'https://roster.example.org/?a=1&b="2"',
    });
    expect(mail.html).toContain('Hello &lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;,');
    expect(mail.html).toContain('<strong>o&#39;&lt;x&gt;</strong>');
    expect(mail.html).toContain('<a href="https://roster.example.org/?a=1&amp;b=&quot;2&quot;">');
    expect(mail.html).not.toContain('<b>Tom');
    expect(mail.text).toContain('Hello <b>Tom & "Jerry"</b>,');
  });

  it('links only http(s) URLs', () => {
    expect(composeWelcomeMail({ ...ALICE, serviceUrl: 'javascript:alert(1)' }).html).not.toContain('<a ');
  });
});

describe('welcome email over SMTP', () => {
  it('delivers the §9 message with AUTH, from MAIL_FROM to the user', async () => {
    const server = await smtpServer();
    const { mail, lines } = service({ smtpUrl: server.url });
    expect(mail.configured).toBe(true);

    await mail.sendWelcome(ALICE, { requestId: 'req-1' });

    const [received] = await server.waitForMessages(1);
    const parsed = received.parsed;
    expect(received.envelope).toEqual({ mailFrom: 'roster@example.org', rcptTo: ['alice@example.org'] });
    expect(received.user).toBe(SMTP_TEST_USER);
    expect(server.authAttempts).toEqual([expect.objectContaining({ username: SMTP_TEST_USER, password: SMTP_TEST_PASS, accepted: true })]);

    expect(firstAddress(parsed.from)).toEqual({ name: 'Roster', address: 'roster@example.org' });
    expect(firstAddress(parsed.to)).toEqual({ name: 'Alice Adams', address: 'alice@example.org' });
    expect(parsed.subject).toBe('Your account on roster.example.org was created');

    const contentType = parsed.headers.get('content-type') as { value: string };
    expect(contentType.value).toBe('multipart/alternative');
    const raw = received.raw.toString('utf8');
    expect(raw).toMatch(/Content-Type: text\/plain; charset=utf-8/i);
    expect(raw).toMatch(/Content-Type: text\/html; charset=utf-8/i);

    expect(parsed.text).toBe(ALICE_TEXT + '\n');
    expect(parsed.html).toContain('<p>Hello Alice Adams,</p>');
    expect(parsed.html).toContain('Login name: <strong>alice</strong>');
    expect(parsed.html).toContain('<a href="https://roster.example.org/">https://roster.example.org/</a>');

    // no password, token or reset link; not the SMTP credentials either
    expect(raw).not.toContain(SMTP_TEST_PASS);
    expect(`${parsed.text}\n${parsed.html}`).not.toMatch(/password|token|reset/i);

    expect(lines).toEqual([{ level: 'info', details: { requestId: 'req-1', username: 'alice' }, msg: 'welcome email sent' }]);
  });

  it('encodes a non-ASCII display name and keeps it in UTF-8 parts', async () => {
    const server = await smtpServer();
    const { mail } = service({ smtpUrl: server.url });

    await mail.sendWelcome({ ...ALICE, displayName: 'Zoë Ünal', email: 'zoe@example.org', username: 'zoe' }, { requestId: 'req-2' });

    const [received] = await server.waitForMessages(1);
    const raw = received.raw.toString('utf8');
    const toHeader = raw.split('\r\n').find((line) => line.startsWith('To: '))!;
    expect(toHeader).toMatch(/^To: =\?UTF-8\?[QB]\?.+\?= <zoe@example\.org>$/i);
    expect(firstAddress(received.parsed.to)).toEqual({ name: 'Zoë Ünal', address: 'zoe@example.org' });
    expect(received.parsed.text).toContain('Hello Zoë Ünal,\n');
    expect(received.parsed.html).toContain('Hello Zoë Ünal,');
  });

  it('escapes the values in the HTML part only', async () => {
    const server = await smtpServer({ auth: false });
    const { mail } = service({ smtpUrl: server.url });

    await mail.sendWelcome({ ...ALICE, displayName: '<b>Tom & "Jerry"</b>', email: 'tom@example.org', username: 'tom' }, { requestId: 'r' });

    const [{ parsed }] = await server.waitForMessages(1);
    expect(firstAddress(parsed.to)).toEqual({ name: '<b>Tom & "Jerry"</b>', address: 'tom@example.org' });
    expect(parsed.text).toContain('Hello <b>Tom & "Jerry"</b>,\n');
    expect(parsed.html).toContain('Hello &lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;,');
    expect(parsed.html).not.toContain('<b>Tom');
  });

  it('reports a refusal with its reply code and logs one line without the body', async () => {
    const server = await smtpServer({ reject: { code: 550, message: 'Mailbox unavailable' } });
    const { mail, lines } = service({ smtpUrl: server.url });

    const error = await rejection(mail.sendWelcome(ALICE, { requestId: 'req-550' }));

    expect(error.reason).toBe('smtp');
    expect(error.responseCode).toBe(550);
    expect(server.messages).toHaveLength(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      msg: 'welcome email failed',
      details: { requestId: 'req-550', username: 'alice', smtpCode: 550, reason: 'smtp' },
    });
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain('an account has been created');
    expect(logged).not.toContain(SMTP_TEST_PASS);
    expect(logged).not.toContain(server.url);
  });

  it('reports a refused recipient with its reply code', async () => {
    const server = await smtpServer({ reject: { code: 550, at: 'rcpt' } });
    const { mail } = service({ smtpUrl: server.url });
    const error = await rejection(mail.sendWelcome(ALICE, { requestId: 'r' }));
    expect(error).toMatchObject({ reason: 'smtp', responseCode: 550 });
  });

  it('fails on wrong SMTP credentials with 535', async () => {
    const server = await smtpServer();
    const url = new URL(server.url);
    url.password = 'wrong';
    const { mail, lines } = service({ smtpUrl: url.toString() });
    const error = await rejection(mail.sendWelcome(ALICE, { requestId: 'r' }));
    expect(error).toMatchObject({ reason: 'smtp', responseCode: 535 });
    expect(JSON.stringify(lines)).not.toContain('wrong');
  });

  it('fails fast when nothing listens on the port', async () => {
    const port = await closedPort();
    const { mail, lines } = service({ smtpUrl: `smtp://u:p@127.0.0.1:${port}` });
    const started = Date.now();
    const error = await rejection(mail.sendWelcome(ALICE, { requestId: 'r' }));
    expect(error.reason).toBe('smtp');
    expect(error.responseCode).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(lines).toHaveLength(1);
    expect(lines[0].details).toMatchObject({ reason: 'smtp', smtpCode: undefined });
  });

  it('times out on a server that never greets', async () => {
    const silent = await silentServer();
    const { mail, lines } = service({ smtpUrl: silent.url, timeoutMs: 300 });
    const started = Date.now();
    const error = await rejection(mail.sendWelcome(ALICE, { requestId: 'req-t' }));
    const elapsed = Date.now() - started;
    expect(error.reason).toBe('timeout');
    expect(elapsed).toBeLessThan(300 + 1500);
    expect(lines).toEqual([expect.objectContaining({ level: 'error', details: expect.objectContaining({ requestId: 'req-t', reason: 'timeout' }) })]);
    // the abandoned connection is gone
    await mail.close();
    expect(silent.connections).toMatchObject({ total: 1 });
  });

  it('queues a third send while two hang, and times it out by its own deadline', async () => {
    const silent = await silentServer();
    const { mail, lines } = service({ smtpUrl: silent.url, timeoutMs: 300 });
    const started = Date.now();
    const sends = [1, 2, 3].map((i) =>
      rejection(mail.sendWelcome({ ...ALICE, username: `user${i}` }, { requestId: `req-${i}` })).then((error) => ({ error, elapsed: Date.now() - started })),
    );

    await silent.waitForOpen(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(silent.connections.total).toBe(2); // the third one waits for a slot

    const results = await Promise.all(sends);
    for (const { error, elapsed } of results) {
      expect(error.reason).toBe('timeout');
      expect(elapsed).toBeLessThan(300 + 1500);
    }
    expect(silent.connections.maxOpen).toBeLessThanOrEqual(2);
    expect(lines.filter((line) => line.level === 'error')).toHaveLength(3);
  });

  it('keeps at most two connections open and delivers every queued message', async () => {
    const server = await smtpServer({ delayMs: 150 });
    const { mail } = service({ smtpUrl: server.url });

    await Promise.all([1, 2, 3, 4, 5].map((i) => mail.sendWelcome({ ...ALICE, email: `user${i}@example.org`, username: `user${i}` }, { requestId: `r${i}` })));

    const received = await server.waitForMessages(5);
    expect(received.map((m) => m.envelope.rcptTo[0]).sort()).toEqual([1, 2, 3, 4, 5].map((i) => `user${i}@example.org`));
    expect(server.connections.total).toBe(5);
    expect(server.connections.maxOpen).toBe(2);
  });

  it('honours a smaller maxConnections', async () => {
    const server = await smtpServer({ delayMs: 50 });
    const { mail } = service({ smtpUrl: server.url, maxConnections: 1 });
    await Promise.all([1, 2, 3].map((i) => mail.sendWelcome({ ...ALICE, username: `u${i}` }, { requestId: `r${i}` })));
    expect(server.connections.maxOpen).toBe(1);
    expect(server.messages).toHaveLength(3);
  });

  it('verifies the certificate of an smtps:// server', async () => {
    const server = await smtpServer({ tls: 'smtps' });
    const { mail } = service({ smtpUrl: server.url });
    const error = await rejection(mail.sendWelcome(ALICE, { requestId: 'r' }));
    expect(error.reason).toBe('smtp');
    expect(server.messages).toHaveLength(0);
  });

  it('upgrades with STARTTLS when offered, verifying the certificate', async () => {
    const server = await smtpServer({ tls: 'starttls' });
    const { mail } = service({ smtpUrl: server.url });
    const error = await rejection(mail.sendWelcome(ALICE, { requestId: 'r' }));
    expect(error.reason).toBe('smtp');
    // the self-signed certificate was refused before AUTH: the credentials never went out in clear
    expect(server.authAttempts).toHaveLength(0);
    expect(server.messages).toHaveLength(0);
  });

  it('is not configured without SMTP_URL', async () => {
    const { mail, lines } = service({ smtpUrl: undefined });
    expect(mail.configured).toBe(false);
    const error = await rejection(mail.sendWelcome(ALICE, { requestId: 'req-nc' }));
    expect(error.reason).toBe('not_configured');
    expect(lines).toEqual([expect.objectContaining({ level: 'error', details: expect.objectContaining({ requestId: 'req-nc', reason: 'not_configured' }) })]);
  });

  it('refuses an SMTP_URL of another scheme without echoing it', async () => {
    const { mail, lines } = service({ smtpUrl: 'http://user:hunter2@mail.example.org' });
    const error = await rejection(mail.sendWelcome(ALICE, { requestId: 'r' }));
    expect(error.reason).toBe('not_configured');
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });
});
