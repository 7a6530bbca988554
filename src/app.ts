/**
 * Composition root: wires configuration, database, services, the dispatcher and the adapters into
 * one express app. Nothing here is a module-level singleton; tests build as many apps as they need.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import type { Config } from './config';
import { withSecretKeys, type Logger } from './logger';
import type { PasswordService, Services } from './core/procedure';
import { validatorFor } from './core/validator';
import { buildOpenRpcDocument } from './core/openrpc';
import { buildOpenApiDocument } from './core/openapi';
import { createDispatcher, type Dispatcher, type ProjectAccess } from './core/dispatcher';
import { firstVisibleProject, projectRoleOf, roleSatisfies } from './db/repositories/projectAccess';
import type { Authenticator } from './core/authentication';
import { createAuthenticator } from './auth/authenticator';
import { createPasswordService } from './auth/passwords';
import { createVerificationCache } from './auth/verificationCache';
import { createRateLimiter } from './auth/rateLimiter';
import { secretService, sha256Hex } from './auth/secrets';
import { registry } from '../procedures';
import { requestIdMiddleware } from './adapters/http/requestId';
import { observeRequests, requestLogLine, withRecordInScope } from './adapters/http/requestLog';
import { createHttpMetrics } from './adapters/http/metrics';
import { knexPoolStats, observedAuthenticator, observedDispatcher } from './observability/instrument';
import { createJsonRpcAdapter } from './adapters/jsonrpc/router';
import { handleInFront } from './adapters/http/frontHandler';
import { ocsRouter } from './adapters/ocs/router';
import { nmcuserOidcRouter } from './adapters/nmcuserOidc/router';
import { ocsOpenApi } from './adapters/ocs/openapi';
import { nmcuserOidcOpenApi } from './adapters/nmcuserOidc/openapi';
import { createMailService } from './mail/welcomeMail';
import { createLdapDirectory } from './ldap/directory';
import { isAppEnabled } from './db/repositories/appState';
import { createComponentStates, settlingComponentChanges } from './componentStates';
import { databaseAnswers } from './db/database';
import { insertAuditEvent } from './db/repositories/audit';
import packageJson from '../package.json';

export interface AppDeps {
  config: Readonly<Config>;
  db: Knex;
  logger: Logger;
  /** Unix seconds; injectable so tests can move time (lockout expiry). */
  now?: () => number;
  /** Replaces the bcrypt service built from the configuration (tests count verifications). */
  passwords?: PasswordService;
}

export interface RosterApp {
  app: express.Express;
  dispatcher: Dispatcher;
  authenticator: Authenticator;
  services: Services;
  /** Releases what the app holds besides the database (SMTP connections in flight). */
  close(): Promise<void>;
}

const ROSTER_VERSION = packageJson.version;
const packageAuthor = (packageJson as { author?: string | { name?: string } }).author;
const ROSTER_AUTHOR = (typeof packageAuthor === 'string' ? packageAuthor : packageAuthor?.name) || 'Roster contributors';

const systemNow = () => Math.floor(Date.now() / 1000);

export function createApp({ config, db, logger: baseLogger, now = systemNow, passwords: givenPasswords }: AppDeps): RosterApp {
  // the API_AUTH_HEADER name is redacted like Authorization, wherever it appears in a log object
  const logger = withSecretKeys(baseLogger, [config.apiAuthHeader]);
  const passwords = givenPasswords ?? createPasswordService({ cost: config.bcryptCost, concurrency: config.hashConcurrency });
  const mail = createMailService({ smtpUrl: config.smtpUrl, mailFrom: config.mailFrom, timeoutMs: config.smtpTimeoutMs, logger });
  // the `ldap` component's state is read before every directory operation (OCS §8.2)
  const ldap = createLdapDirectory({ settings: config.ldap, enabled: () => isAppEnabled(db, 'ldap'), logger });
  let apiDescription: object = {};
  const services: Services = {
    apiDescription: () => apiDescription,
    passwords,
    secrets: secretService,
    now,
    mail,
    ldap,
    settings: Object.freeze({
      kanboardVersion: config.kanboardVersion,
      applicationUrl: config.applicationUrl,
      disablePrivateProjects: config.disablePrivateProjects,
      rosterVersion: ROSTER_VERSION,
      rosterLicence: packageJson.license,
      rosterAuthor: ROSTER_AUTHOR,
      defaultQuota: config.defaultQuota,
      sendWelcomeEmailOnCreate: config.ocsSendWelcomeEmail,
      publicUrl: config.publicUrl,
    }),
  };
  const validator = validatorFor(registry);
  const projectAccess: ProjectAccess = {
    allows: async (conn, projectId, userId, minimum) => roleSatisfies(await projectRoleOf(conn, projectId, userId), minimum),
    anyVisible: async (conn, by, value, userId, minimum) => (await firstVisibleProject(conn, by, value, userId, minimum)) !== null,
  };
  const dispatcher = createDispatcher({ registry, validator, db, services, logger, projectAccess, audit: insertAuditEvent });
  apiDescription = buildOpenRpcDocument({
    procedures: dispatcher.proceduresFor('rpc'),
    accessOf: dispatcher.accessOf,
    schemaOf: (name) => validator.schemaOf(name),
    version: ROSTER_VERSION,
  });
  const authenticator = createAuthenticator({
    db,
    ldap,
    passwords,
    apiTokenSha256: config.apiToken ? sha256Hex(config.apiToken) : null,
    lockoutThreshold: config.lockoutThreshold,
    lockoutMinutes: config.lockoutMinutes,
    now,
    verifications: createVerificationCache({ ttlMs: config.passwordCacheTtlMs }),
  });
  // one budget per principal across every surface and instance (kept in the database)
  const rateLimiter = createRateLimiter({ db, perMinute: config.rateLimitPerMinute, now });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('json spaces', 0);
  app.use(requestIdMiddleware);
  // logs and metrics: one record per request; the adapters see an authenticator and a dispatcher
  // that note the caller, refused credentials and failed calls on it
  const metrics = createHttpMetrics({ poolStats: () => knexPoolStats(db), token: config.metricsToken });
  // component states are remembered briefly; a change waits that long before it answers (§8.2)
  const componentStates = createComponentStates(db);
  const observed = {
    dispatcher: settlingComponentChanges(observedDispatcher(dispatcher), componentStates),
    authenticator: observedAuthenticator(authenticator, metrics.authFailure),
  };
  const requestObservers = [requestLogLine(logger), metrics.observe];
  app.use(observeRequests(requestObservers));
  app.get('/metrics', metrics.handler);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (await databaseAnswers(db, 2000)) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'unavailable' });
  });

  app.get('/openrpc.json', (_req, res) => {
    res.json(apiDescription);
  });
  const openApiDocument = buildOpenApiDocument({
    version: ROSTER_VERSION,
    parts: [ocsOpenApi({ dispatcher, requireApiHeader: config.ocsRequireApiHeader }), nmcuserOidcOpenApi({ dispatcher })],
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  // A change applies to every instance at once (OCS §8.2; how: src/componentStates.ts).
  const componentEnabled = (id: string) => componentStates.isEnabled(id);
  const componentEnabledAsync = async (id: string) => componentStates.isEnabled(id);
  const jsonRpc = createJsonRpcAdapter({ ...observed, rateLimiter, batchLimit: config.batchLimit, bodyLimit: config.bodyLimit, apiAuthHeader: config.apiAuthHeader, logger, componentEnabled });
  app.use(jsonRpc.router);
  // The common JSON-RPC requests skip express (same steps, same answers; src/adapters/jsonrpc/fastPath.ts).
  // Middleware added above the JSON-RPC routes must be added to that path as well.
  handleInFront(app, jsonRpc.fastPath(requestObservers));
  app.use(withRecordInScope(ocsRouter({ ...observed, rateLimiter, bodyLimit: config.bodyLimit, requireApiHeader: config.ocsRequireApiHeader, logger })));
  app.use(withRecordInScope(nmcuserOidcRouter({ ...observed, rateLimiter, bodyLimit: config.bodyLimit, componentEnabled: componentEnabledAsync, logger })));

  app.use((_req, res) => {
    res.status(404).json({ message: 'Not found' });
  });
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    void next;
    logger.error({ err: error, requestId: res.locals.requestId }, 'unhandled error');
    if (!res.headersSent) res.status(500).json({ message: 'Internal error' });
  });

  return { app, dispatcher, authenticator, services, close: () => mail.close() };
}
