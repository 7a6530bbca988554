/**
 * Welcome email over SMTP (ocs-provisioning §9).
 *
 * - `SMTP_URL` is `smtp://user:pass@host:587` (STARTTLS when the server offers it) or
 *   `smtps://user:pass@host:465` (TLS from the start). Certificates are always verified.
 * - Every send gets its own connection (a fresh nodemailer SMTP transport over a socket this
 *   module owns). At most `maxConnections` (2) such sockets exist at once: a slot is taken before
 *   connecting and given back only when the socket has closed. Further sends wait in a FIFO queue.
 * - One deadline bounds each send, counted from the call of `sendWelcome`, so time spent in the
 *   queue counts. When it passes, the send rejects with reason `timeout` and its socket is
 *   destroyed at once (a queued send just leaves the queue).
 * - A failure is logged once (request id, username, SMTP reply code, reason; never the body, the
 *   URL or the credentials) and rejects with a `MailError`.
 */
import net from 'node:net';
import type Nodemailer from 'nodemailer';
import type { MailService, WelcomeMessage } from '../core/procedure';
import { composeWelcomeMail } from './welcomeMessage';

export { composeWelcomeMail } from './welcomeMessage';

/** nodemailer, loaded on the first send: most processes never send mail, and loading it costs start time. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred until used (start time)
const nodemailer = (): typeof Nodemailer => require('nodemailer') as typeof Nodemailer;

export type MailErrorReason = 'not_configured' | 'timeout' | 'smtp';

export class MailError extends Error {
  constructor(
    message: string,
    readonly reason: MailErrorReason,
    /** The SMTP reply code (e.g. 550) when the server answered with one. */
    readonly responseCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MailError';
  }
}

export interface MailLogger {
  error(details: object, msg: string): void;
  info?(details: object, msg: string): void;
}

export interface MailOptions {
  /** `SMTP_URL`; unset means mail is not configured. */
  smtpUrl: string | undefined;
  /** `MAIL_FROM`, an address or `Name <address>`. */
  mailFrom: string | undefined;
  /** `SMTP_TIMEOUT_MS`: upper bound of one send, queueing included. */
  timeoutMs: number;
  /** Most SMTP connections open at once (default 2). */
  maxConnections?: number;
  logger: MailLogger;
}

export interface SmtpTarget {
  host: string;
  port: number;
  /** TLS from the start (`smtps:`); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  auth?: { user: string; pass: string };
}

/** How long a socket may linger after a send before it is destroyed. */
const CLOSE_GRACE_MS = 1000;

/**
 * Parses `SMTP_URL`. Query parameters are ignored (in particular nothing can turn certificate
 * verification off). Throws a `MailError` with reason `not_configured` for anything else than an
 * `smtp:` or `smtps:` URL with a host. The error message never repeats the URL (it may hold a
 * password).
 */
export function parseSmtpUrl(smtpUrl: string): SmtpTarget {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new MailError('SMTP_URL is not a valid URL', 'not_configured');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new MailError('SMTP_URL must start with smtp:// or smtps://', 'not_configured');
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new MailError('SMTP_URL names no host', 'not_configured');
  const secure = url.protocol === 'smtps:';
  const port = url.port ? Number(url.port) : secure ? 465 : 587;
  const target: SmtpTarget = { host, port, secure };
  if (url.username) {
    target.auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  }
  return target;
}

/** A FIFO counting semaphore whose waiters give up when their signal aborts. */
class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        this.active++;
        resolve();
      };
      const onAbort = (): void => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}

function errorProperty(error: unknown, key: 'code' | 'responseCode' | 'message'): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[key] : undefined;
}

function toMailError(error: unknown, signal: AbortSignal, timeoutMs: number): MailError {
  if (error instanceof MailError) return error;
  if (signal.aborted) {
    return signal.reason instanceof MailError ? signal.reason : new MailError(`SMTP send timed out after ${timeoutMs} ms`, 'timeout');
  }
  const rawCode = errorProperty(error, 'responseCode');
  const responseCode = typeof rawCode === 'number' && Number.isInteger(rawCode) ? rawCode : undefined;
  const rawMessage = errorProperty(error, 'message');
  const detail = typeof rawMessage === 'string' ? rawMessage : String(error);
  if (responseCode === undefined && errorProperty(error, 'code') === 'ETIMEDOUT') {
    return new MailError(`SMTP send timed out: ${detail}`, 'timeout', undefined, { cause: error });
  }
  return new MailError(`SMTP send failed: ${detail}`, 'smtp', responseCode, { cause: error });
}

export function createMailService(options: MailOptions): MailService & { close(): Promise<void> } {
  const { smtpUrl, mailFrom, timeoutMs, logger } = options;
  const slots = new Slots(Math.max(1, options.maxConnections ?? 2));
  /** Sends not finished yet, each settling once its socket is gone. */
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  /**
   * One SMTP session over a socket of our own. The slot (taken by the caller) is released when the
   * socket has closed. `sent` settles with the outcome, `gone` when the socket has closed.
   */
  function attempt(target: SmtpTarget, message: WelcomeMessage, signal: AbortSignal, budgetMs: number): { sent: Promise<void>; gone: Promise<void> } {
    const socket = new net.Socket();
    // nodemailer listens for errors while it uses the socket; this keeps a late one (after it let
    // go) from being an unhandled 'error' event
    socket.on('error', () => {});
    const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const destroy = (): void => {
      socket.destroy();
    };
    signal.addEventListener('abort', destroy, { once: true });

    const budget = Math.max(1, Math.floor(budgetMs));
    const transport = nodemailer().createTransport({
      host: target.host,
      port: target.port,
      secure: target.secure,
      auth: target.auth,
      socket,
      connectionTimeout: budget,
      greetingTimeout: budget,
      socketTimeout: budget,
      dnsTimeout: budget,
      socketCloseTimeout: CLOSE_GRACE_MS,
      logger: false,
      debug: false,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    const mail = composeWelcomeMail(message);
    const sent = transport
      .sendMail({
        from: mailFrom,
        to: { name: message.displayName, address: message.email },
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        signal,
      })
      .then(() => undefined)
      .finally(() => {
        signal.removeEventListener('abort', destroy);
        transport.close();
        if (socket.destroyed) return;
        if (socket.pending) {
          // never (fully) connected: nothing to close politely
          socket.destroy();
          return;
        }
        // nodemailer has ended the session; make sure the socket cannot outlive the grace period
        const timer = setTimeout(destroy, CLOSE_GRACE_MS);
        timer.unref();
        socket.once('close', () => clearTimeout(timer));
      });
    return { sent, gone };
  }

  async function deliver(target: SmtpTarget, message: WelcomeMessage, startedAt: number, track: (p: Promise<void>) => void): Promise<void> {
    const controller = new AbortController();
    const { signal } = controller;
    const timer = setTimeout(
      () => controller.abort(new MailError(`SMTP send timed out after ${timeoutMs} ms`, 'timeout')),
      Math.max(0, startedAt + timeoutMs - Date.now()),
    );
    try {
      await slots.acquire(signal);
      let released = false;
      const release = (): void => {
        if (!released) {
          released = true;
          slots.release();
        }
      };
      const remaining = startedAt + timeoutMs - Date.now();
      if (signal.aborted || remaining <= 0) {
        // the deadline passed while waiting for a slot: do not connect at all
        release();
        throw signal.aborted ? signal.reason : new MailError(`SMTP send timed out after ${timeoutMs} ms`, 'timeout');
      }
      let session: { sent: Promise<void>; gone: Promise<void> };
      try {
        session = attempt(target, message, signal, remaining);
      } catch (error) {
        release();
        throw error;
      }
      track(session.gone.then(release));
      await session.sent;
    } catch (error) {
      throw toMailError(error, signal, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  async function sendWelcome(message: WelcomeMessage, log: { requestId: string }): Promise<void> {
    const startedAt = Date.now();
    const pending: Promise<void>[] = [];
    const work = (async () => {
      if (closed) throw new MailError('the mail service is closed', 'not_configured');
      if (!smtpUrl) throw new MailError('SMTP_URL is not configured', 'not_configured');
      if (!mailFrom) throw new MailError('MAIL_FROM is not configured', 'not_configured');
      const target = parseSmtpUrl(smtpUrl);
      await deliver(target, message, startedAt, (p) => pending.push(p));
    })();
    const settled = work.then(
      () => Promise.all(pending).then(() => undefined),
      () => Promise.all(pending).then(() => undefined),
    );
    inFlight.add(settled);
    void settled.finally(() => inFlight.delete(settled));

    try {
      await work;
    } catch (caught) {
      const error = caught instanceof MailError ? caught : new MailError(String(caught), 'smtp', undefined, { cause: caught });
      logger.error(
        { requestId: log.requestId, username: message.username, smtpCode: error.responseCode, reason: error.reason, error: error.message },
        'welcome email failed',
      );
      throw error;
    }
    logger.info?.({ requestId: log.requestId, username: message.username }, 'welcome email sent');
  }

  return {
    configured: Boolean(smtpUrl),
    sendWelcome,
    /** Refuses new sends and waits until every send has finished and its connection has closed. */
    async close(): Promise<void> {
      closed = true;
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
