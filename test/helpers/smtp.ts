/**
 * Real SMTP servers for tests, on 127.0.0.1 and a free port.
 *
 * `startSmtpServer(options?)` starts an `smtp-server` that stores every accepted message (raw,
 * parsed with mailparser, and with its envelope and the authenticated user). By default it
 * requires AUTH PLAIN/LOGIN with `SMTP_TEST_USER` / `SMTP_TEST_PASS` over plain TCP (STARTTLS is
 * not offered), so `server.url` (`smtp://user:pass@127.0.0.1:PORT`) works with any client that
 * does opportunistic STARTTLS. Options:
 *   - `auth: false`               no AUTH at all (authOptional, AUTH not offered);
 *   - `auth: { user, pass }`      other credentials;
 *   - `reject: { code: 550 }`     refuse every message with that reply code (at DATA by default,
 *                                 or at MAIL FROM / RCPT TO with `at`);
 *   - `delayMs: 200`              wait that long before answering the end of DATA (keeps the
 *                                 connection busy, e.g. to observe concurrency);
 *   - `tls: 'smtps' | 'starttls'` TLS with smtp-server's built-in self-signed certificate: from
 *                                 the start, or offered via STARTTLS. A verifying client must refuse
 *                                 it; useful to prove verification is on.
 *
 * `startSilentServer()` accepts TCP connections and never says a word (no greeting): the client
 * side of it can only time out.
 *
 * `closedPort()` is a port on 127.0.0.1 that nobody listens on (connection refused).
 *
 * Both servers count TCP connections (`connections.total`, `.open`, `.maxOpen`) at the socket
 * level, and `close()` tears down whatever is still connected. Always `await server.close()` in
 * `afterEach`/`afterAll` so jest exits without open handles.
 */
import net from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerOptions } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export const SMTP_TEST_USER = 'roster-mailer';
export const SMTP_TEST_PASS = 'smtp-Pa55-7e5t-s3cret';

export interface ConnectionStats {
  /** Connections accepted so far. */
  total: number;
  /** Connections open right now. */
  open: number;
  /** Most connections that were open at the same time. */
  maxOpen: number;
}

export interface ReceivedMessage {
  /** The message as received (CRLF line ends, headers and body). */
  raw: Buffer;
  parsed: ParsedMail;
  envelope: { mailFrom: string; rcptTo: string[] };
  /** The user that authenticated for this message, if any. */
  user?: string;
  /** Whether the session was encrypted. */
  secure: boolean;
}

export interface AuthAttempt {
  method: string;
  username?: string;
  password?: string | null;
  accepted: boolean;
}

export interface SmtpServerOptions {
  /** Credentials to require, or `false` for no authentication (default: SMTP_TEST_USER / SMTP_TEST_PASS). */
  auth?: { user: string; pass: string } | false;
  /** Refuse every message with this reply code (and message) at the given stage (default 'data'). */
  reject?: { code: number; message?: string; at?: 'mail' | 'rcpt' | 'data' };
  /** Delay before the server answers the end of DATA. */
  delayMs?: number;
  /** TLS with the built-in self-signed certificate: from the start, or offered via STARTTLS. */
  tls?: 'smtps' | 'starttls';
}

export interface TestSmtpServer {
  /** `smtp://user:pass@127.0.0.1:PORT` (`smtps://…` with `tls: 'smtps'`; no userinfo with `auth: false`). */
  url: string;
  host: string;
  port: number;
  /** The credentials required, or undefined when `auth: false`. */
  credentials?: { user: string; pass: string };
  /** Accepted messages, in order of arrival. */
  messages: ReceivedMessage[];
  authAttempts: AuthAttempt[];
  connections: ConnectionStats;
  /** Resolves with the first `count` messages once they arrived; rejects after `timeoutMs` (default 5000). */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  close(): Promise<void>;
}

export interface SilentServer {
  /** `smtp://user:pass@127.0.0.1:PORT`, so it can stand in for a configured SMTP_URL. */
  url: string;
  host: string;
  port: number;
  connections: ConnectionStats;
  /** Resolves once `count` connections are open at the same time; rejects after `timeoutMs` (default 5000). */
  waitForOpen(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Counts connections of a net.Server and keeps their sockets so close() can destroy them. */
function trackConnections(server: net.Server): { stats: ConnectionStats; sockets: Set<net.Socket>; onChange: Set<() => void> } {
  const stats: ConnectionStats = { total: 0, open: 0, maxOpen: 0 };
  const sockets = new Set<net.Socket>();
  const onChange = new Set<() => void>();
  server.on('connection', (socket: net.Socket) => {
    stats.total++;
    stats.open++;
    stats.maxOpen = Math.max(stats.maxOpen, stats.open);
    sockets.add(socket);
    socket.once('close', () => {
      stats.open--;
      sockets.delete(socket);
      onChange.forEach((fn) => fn());
    });
    onChange.forEach((fn) => fn());
  });
  return { stats, sockets, onChange };
}

function waitFor(check: () => boolean, listeners: Set<() => void>, timeoutMs: number, what: string): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const listener = (): void => {
      if (!check()) return;
      clearTimeout(timer);
      listeners.delete(listener);
      resolve();
    };
    const timer = setTimeout(() => {
      listeners.delete(listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    listeners.add(listener);
  });
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function userinfo(credentials: { user: string; pass: string } | undefined): string {
  return credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@` : '';
}

export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const credentials = options.auth === false ? undefined : (options.auth ?? { user: SMTP_TEST_USER, pass: SMTP_TEST_PASS });
  const messages: ReceivedMessage[] = [];
  const authAttempts: AuthAttempt[] = [];
  const messageListeners = new Set<() => void>();
  const reject = options.reject;
  const rejectAt = reject?.at ?? 'data';
  const refusal = (): Error => smtpError(reject!.code, reject!.message ?? 'Message refused by the test server');

  const disabledCommands: string[] = [];
  if (options.tls !== 'starttls') disabledCommands.push('STARTTLS');
  if (!credentials) disabledCommands.push('AUTH');

  const serverOptions: SMTPServerOptions = {
    logger: false,
    secure: options.tls === 'smtps',
    disabledCommands,
    authOptional: !credentials,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    disableReverseLookup: true,
    closeTimeout: 200,
    socketTimeout: 10000,
    onAuth(auth, _session, callback) {
      const accepted = !!credentials && auth.username === credentials.user && auth.password === credentials.pass;
      authAttempts.push({ method: auth.method, username: auth.username, password: auth.password, accepted });
      if (!accepted) return callback(smtpError(535, 'Authentication failed'));
      callback(null, { user: auth.username });
    },
    onMailFrom(_address: SMTPServerAddress, _session, callback) {
      callback(reject && rejectAt === 'mail' ? refusal() : null);
    },
    onRcptTo(_address: SMTPServerAddress, _session, callback) {
      callback(reject && rejectAt === 'rcpt' ? refusal() : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const answer = async (): Promise<void> => {
          if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
          if (reject && rejectAt === 'data') return callback(refusal());
          const raw = Buffer.concat(chunks);
          const parsed = await simpleParser(raw);
          messages.push({
            raw,
            parsed,
            envelope: {
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              rcptTo: session.envelope.rcptTo.map((r) => r.address),
            },
            user: typeof session.user === 'string' ? session.user : undefined,
            secure: session.secure,
          });
          messageListeners.forEach((fn) => fn());
          callback(null, 'Message accepted');
        };
        answer().catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
      });
    },
  };
  const smtp = new SMTPServer(serverOptions);
  smtp.on('error', () => {}); // client disconnects mid-session are expected in tests
  const { stats, sockets } = trackConnections(smtp.server);
  const port = await listen(smtp.server);
  const scheme = options.tls === 'smtps' ? 'smtps' : 'smtp';

  return {
    url: `${scheme}://${userinfo(credentials)}${HOST}:${port}`,
    host: HOST,
    port,
    credentials,
    messages,
    authAttempts,
    connections: stats,
    async waitForMessages(count, timeoutMs = 5000) {
      await waitFor(() => messages.length >= count, messageListeners, timeoutMs, `${count} message(s), got ${messages.length}`);
      return messages.slice(0, count);
    },
    close() {
      return new Promise<void>((resolve) => {
        smtp.close(() => resolve());
        sockets.forEach((socket) => socket.destroy());
      });
    },
  };
}

export async function startSilentServer(): Promise<SilentServer> {
  const server = net.createServer(() => {
    // accept and say nothing
  });
  const { stats, sockets, onChange } = trackConnections(server);
  const port = await listen(server);
  return {
    url: `smtp://${userinfo({ user: SMTP_TEST_USER, pass: SMTP_TEST_PASS })}${HOST}:${port}`,
    host: HOST,
    port,
    connections: stats,
    waitForOpen(count, timeoutMs = 5000) {
      return waitFor(() => stats.open >= count, onChange, timeoutMs, `${count} open connection(s)`);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        sockets.forEach((socket) => socket.destroy());
      });
    },
  };
}

/** A port on 127.0.0.1 with nothing listening: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
