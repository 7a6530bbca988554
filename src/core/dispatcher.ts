/**
 * The dispatcher: resolve → app-level access → bind → validate → project access → run (in a
 * transaction when the procedure writes; in a read-only snapshot that outlives the call when its
 * result streams). Every adapter goes through it; procedures never see HTTP.
 */
import type { Knex } from 'knex';
import { AppError, isAppError } from './errors';
import { assertAccessMapCovers, checkAppAccess, type AccessRule, type ProjectLookup, ACCESS_MAP } from './access';
import { bindKanboard, bindStrict } from './binding';
import type { BindingMode } from './coercion';
import type { Validator } from './validator';
import type { AnyProcedure, AuditNote, Context, Principal, ProjectRole, Services, Surface } from './procedure';
import { buildAuditRecord, type AuditRecord } from './audit';
import { inTransaction, translatingDbErrors } from '../db/transaction';
import { collectStreamedArray, openStreamedArray } from './streamedArray';

export interface DispatcherLogger {
  error(details: object, message: string): void;
}

/** Project-scoped access checks, supplied by app.ts from the project repositories. */
export interface ProjectAccess {
  /** Whether the user's effective role on the project is a built-in role ≥ `minimum`. */
  allows(db: Knex, projectId: number, userId: number, minimum: ProjectRole): Promise<boolean>;
  /** Whether some project matching the lookup is visible to the user with at least `minimum`. */
  anyVisible(db: Knex, by: ProjectLookup, value: string, userId: number, minimum: ProjectRole): Promise<boolean>;
}

export interface DispatcherOptions {
  registry: readonly AnyProcedure[];
  validator: Validator;
  db: Knex;
  services: Services;
  logger: DispatcherLogger;
  access?: ReadonlyMap<string, AccessRule>;
  projectAccess?: ProjectAccess;
  /**
   * Stores the audit record of a successful writing call, on the call's transaction (app.ts hands in
   * the audit repository). Without it nothing is recorded (unit tests of the dispatcher).
   */
  audit?: (trx: Knex, record: AuditRecord) => Promise<unknown>;
}

export interface CallOptions {
  principal: Principal;
  mode: BindingMode;
  requestId: string;
  surface: Surface;
  /** For the audit log; "" when unknown. */
  clientAddress?: string;
  /** For the audit log: the HTTP route (`POST /jsonrpc.php`, `PUT /ocs/v2.php/cloud/users/{userid}`) or CLI command. */
  route?: string;
  /**
   * The caller writes a streamed result piece by piece: a procedure that `streams` then resolves
   * with a StreamedArray (its first page already read), which the caller must read to the end or
   * close. Otherwise such a procedure resolves with the whole array.
   */
  acceptsStreamedArray?: boolean;
}

/** Where a procedure without `surfaces` may be called: the JSON-RPC endpoints and the CLI. */
export const DEFAULT_SURFACES: readonly Surface[] = ['jsonrpc', 'rpc', 'cli'];

/** Whether `procedure` may be called through `surface`. */
export function servesSurface(procedure: AnyProcedure, surface: Surface): boolean {
  return (procedure.surfaces ?? DEFAULT_SURFACES).includes(surface);
}

export interface Dispatcher {
  readonly procedures: readonly AnyProcedure[];
  /** The procedures callable through `surface`. */
  proceduresFor(surface: Surface): readonly AnyProcedure[];
  /**
   * Finds a procedure callable through `surface`; `caseInsensitive` folds ASCII case (Kanboard
   * mode). A procedure of another surface is not found, as if it did not exist.
   */
  resolve(name: string, caseInsensitive: boolean, surface: Surface): AnyProcedure | undefined;
  accessOf(procedure: AnyProcedure): AccessRule;
  /** Access checks only (app level, then project level when the params bind and validate). */
  precheck(procedure: AnyProcedure, rawParams: unknown, options: CallOptions): Promise<AppError | null>;
  /**
   * Runs one call; resolves with the result or rejects with an AppError (never anything else). The
   * result is a StreamedArray only when the procedure streams and `options.acceptsStreamedArray`.
   */
  call(procedure: AnyProcedure, rawParams: unknown, options: CallOptions): Promise<unknown>;
}

/**
 * ASCII-only case folding (Kanboard mode): String#toLowerCase would also fold e.g. KELVIN SIGN
 * U+212A to "k" and let a non-ASCII name reach a procedure.
 */
function foldAscii(name: string): string {
  return name.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { registry, validator, db, services, logger } = options;
  const access = options.access ?? ACCESS_MAP;
  assertAccessMapCovers(registry.map((p) => p.name), access);

  const exact = new Map<string, AnyProcedure>();
  const folded = new Map<string, AnyProcedure>();
  for (const procedure of registry) {
    exact.set(procedure.name, procedure);
    folded.set(foldAscii(procedure.name), procedure);
  }
  const needsProjectRoles = [...access.values()].some((rule) => typeof rule.user === 'object');
  if (needsProjectRoles && !options.projectAccess) throw new Error('Project-scoped access rules need a project access service');
  const writingStream = registry.find((procedure) => procedure.streams && procedure.writes);
  if (writingStream) throw new Error(`Procedure ${writingStream.name} streams and writes: a streamed result is read from a read-only snapshot`);

  function ruleOf(procedure: AnyProcedure): AccessRule {
    const rule = access.get(procedure.name);
    if (!rule) throw new Error(`No access rule for ${procedure.name}`);
    return rule;
  }

  function bindAndValidate(procedure: AnyProcedure, rawParams: unknown, mode: BindingMode): Record<string, unknown> {
    const list = { names: procedure.params, required: procedure.schema.required?.length ?? 0 };
    const bound = mode === 'kanboard' ? bindKanboard(rawParams, list) : bindStrict(rawParams, list);
    return validator.validate(procedure, bound, mode);
  }

  /** Whether the call needs a project-level check (a user caller and a project-scoped rule). */
  const projectScoped = (rule: AccessRule, principal: Principal) => principal.kind === 'user' && typeof rule.user === 'object';

  async function checkProjectAccess(rule: AccessRule, params: Record<string, unknown>, principal: Principal, conn: Knex): Promise<void> {
    if (principal.kind !== 'user' || typeof rule.user !== 'object') return;
    const { project: required, param, lookup } = rule.user;
    const projects = options.projectAccess!;
    const denied = () => new AppError('FORBIDDEN', { required });
    if (lookup) {
      // Unknown and invisible look the same: 403 whether or not a project matches (§5.3).
      if (!(await projects.anyVisible(conn, lookup, String(params[param]), principal.user.id, required))) throw denied();
      return;
    }
    const projectIds = ([] as unknown[]).concat(params[param]).filter((v): v is number => typeof v === 'number');
    for (const projectId of projectIds) {
      if (!(await projects.allows(conn, projectId, principal.user.id, required))) throw denied();
    }
  }

  function internal(error: unknown, requestId: string, procedure: string): AppError {
    if (isAppError(error)) return error;
    logger.error({ err: error, requestId, procedure }, 'unexpected error in procedure');
    return new AppError('INTERNAL');
  }

  return {
    procedures: registry,
    proceduresFor(surface) {
      return registry.filter((procedure) => servesSurface(procedure, surface));
    },
    resolve(name, caseInsensitive, surface) {
      const procedure = caseInsensitive ? folded.get(foldAscii(name)) : exact.get(name);
      return procedure && servesSurface(procedure, surface) ? procedure : undefined;
    },
    accessOf: ruleOf,
    async precheck(procedure, rawParams, callOptions) {
      const rule = ruleOf(procedure);
      try {
        checkAppAccess(rule, callOptions.principal);
      } catch (error) {
        return internal(error, callOptions.requestId, procedure.name);
      }
      // only a project-scoped rule of a user caller needs the params; anything else is decided
      if (!projectScoped(rule, callOptions.principal)) return null;
      let params: Record<string, unknown>;
      try {
        params = bindAndValidate(procedure, rawParams, callOptions.mode);
      } catch {
        return null; // binding and value failures are answered when the element runs
      }
      try {
        await translatingDbErrors(() => checkProjectAccess(rule, params, callOptions.principal, db));
        return null;
      } catch (error) {
        return internal(error, callOptions.requestId, procedure.name);
      }
    },
    async call(procedure, rawParams, callOptions) {
      const afterCommit: Array<() => Promise<void>> = [];
      let result: unknown;
      try {
        if (!servesSurface(procedure, callOptions.surface)) throw new AppError('METHOD_NOT_FOUND');
        const rule = ruleOf(procedure);
        checkAppAccess(rule, callOptions.principal);
        const params = bindAndValidate(procedure, rawParams, callOptions.mode);
        const base = {
          principal: callOptions.principal,
          requestId: callOptions.requestId,
          surface: callOptions.surface,
          clientAddress: callOptions.clientAddress ?? '',
          services,
        };
        const prepared = procedure.prepare ? await procedure.prepare(params, base) : undefined;
        const run = async (conn: Knex) => {
          afterCommit.length = 0; // a retried transaction starts over
          const notes: AuditNote[] = [];
          if (projectScoped(rule, callOptions.principal)) await checkProjectAccess(rule, params, callOptions.principal, conn);
          // members written out: V8 builds a spread of `base` here many times slower (a hot path)
          const ctx: Context = {
            principal: base.principal,
            requestId: base.requestId,
            surface: base.surface,
            clientAddress: base.clientAddress,
            services,
            db: conn,
            afterCommit: (task) => void afterCommit.push(task),
            audit: (note) => void notes.push(note),
          };
          const outcome = await procedure.handler(params, ctx, prepared);
          if (procedure.writes && options.audit) {
            const record = buildAuditRecord({ ...base, procedure, params, result: outcome, route: callOptions.route ?? '', now: services.now(), notes });
            await options.audit(conn, record);
          }
          return outcome;
        };
        if (procedure.streams) {
          // later pages fail after this call returned: they are logged and mapped here all the same
          const stream = await openStreamedArray(db, run, (error) => internal(error, callOptions.requestId, procedure.name));
          result = callOptions.acceptsStreamedArray ? stream : await collectStreamedArray(stream);
        } else {
          result = await (procedure.writes ? inTransaction(db, run) : translatingDbErrors(() => run(db)));
        }
      } catch (error) {
        throw internal(error, callOptions.requestId, procedure.name);
      }
      for (const task of afterCommit) {
        Promise.resolve().then(task).catch((error: unknown) => logger.error({ err: error, requestId: callOptions.requestId, procedure: procedure.name }, 'after-commit task failed'));
      }
      return result;
    },
  };
}
