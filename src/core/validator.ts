/**
 * The one Ajv instance. Every procedure's params schema is compiled once, at start; a missing or
 * repeated schema `$id` stops the process. Validation runs after binding and coercion and yields
 * the handler's params (with defaults filled in).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { AppError, type ParamError } from './errors';
import { isHttpUrl } from './httpUrl';
import { isValidEmail } from './emailFormat';
import { coerceParams, type BindingMode } from './coercion';
import type { AnyProcedure } from './procedure';

export interface Validator {
  /** Coerce and validate bound params; throws INVALID_PARAMS with ajv-shaped errors. */
  validate(procedure: AnyProcedure, bound: Record<string, unknown>, mode: BindingMode): Record<string, unknown>;
  /** The schema ajv compiled for a procedure (served by rpc.discover). */
  schemaOf(name: string): object;
  ajv: Ajv;
}

export function toParamErrors(errors: ErrorObject[] | null | undefined): ParamError[] {
  return (errors ?? []).map((e) => ({ instancePath: e.instancePath, keyword: e.keyword, message: e.message ?? 'is invalid' }));
}

/** Postgres text cannot hold NUL: refuse it here with a clear error instead of a database error. */
function nulErrors(params: Record<string, unknown>): ParamError[] {
  const hasNul = (v: unknown): boolean => (typeof v === 'string' ? v.includes('\u0000') : Array.isArray(v) && v.some(hasNul));
  return Object.entries(params)
    .filter(([, value]) => hasNul(value))
    .map(([name]) => ({ instancePath: `/${name}`, keyword: 'nul', message: 'must not contain NUL characters' }));
}

export function createAjv(): Ajv {
  // code.optimize off: ajv's passes over the generated code took a third of compiling every schema
  // at start, and V8 drops the dead code they would remove anyway
  const ajv = new Ajv({ allErrors: true, useDefaults: true, allowUnionTypes: true, strictTypes: false, code: { optimize: false } });
  ajv.addFormat('email', { type: 'string', validate: isValidEmail });
  // "" or an absolute http/https URL (OIDC discovery URLs)
  ajv.addFormat('http-url-or-empty', { type: 'string', validate: (value: string) => value === '' || isHttpUrl(value) });
  // Annotation read by the coercion pre-pass (src/core/coercion.ts); it validates nothing itself.
  ajv.addKeyword({ keyword: 'x-trim', schemaType: 'boolean' });
  return ajv;
}

export function createValidator(registry: readonly AnyProcedure[], ajv: Ajv = createAjv()): Validator {
  const compiled = new Map<string, ValidateFunction>();
  for (const procedure of registry) {
    const { schema } = procedure;
    if (!schema || typeof schema !== 'object' || typeof schema.$id !== 'string') {
      throw new Error(`Procedure ${procedure.name} has no params schema with an $id`);
    }
    if (compiled.has(procedure.name)) throw new Error(`Procedure ${procedure.name} is registered twice`);
    if (ajv.getSchema(schema.$id)) throw new Error(`Schema $id ${schema.$id} is used twice`);
    compiled.set(procedure.name, ajv.compile(schema));
  }

  return {
    ajv,
    schemaOf(name) {
      const fn = compiled.get(name);
      if (!fn) throw new Error(`No schema compiled for ${name}`);
      return fn.schema as object;
    },
    validate(procedure, bound, mode) {
      const fn = compiled.get(procedure.name);
      if (!fn) throw new Error(`No schema compiled for ${procedure.name}`);
      let params = bound;
      if (procedure.nullMeansAbsent) {
        params = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== null));
      }
      params = coerceParams(params, procedure.schema.properties, mode);
      if (!fn(params)) throw new AppError('INVALID_PARAMS', { errors: toParamErrors(fn.errors) });
      const nul = procedure.nulSafe ? [] : nulErrors(params);
      if (nul.length > 0) throw new AppError('INVALID_PARAMS', { errors: nul });
      return params;
    },
  };
}

/**
 * The validator of a registry, compiled on first use and kept for the life of the process: a
 * process that builds several apps on one registry (the CLI's commands, the test suite) compiles
 * its schemas once. A validator holds no state of its own beyond the compiled schemas.
 */
const validators = new WeakMap<readonly AnyProcedure[], Validator>();

export function validatorFor(registry: readonly AnyProcedure[]): Validator {
  let validator = validators.get(registry);
  if (!validator) {
    validator = createValidator(registry);
    validators.set(registry, validator);
  }
  return validator;
}
