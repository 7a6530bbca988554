/**
 * The OpenRPC document of the JSON-RPC surface (contract §8.2), generated once at start from the
 * registry, the access map and the schemas ajv compiled — so it cannot drift from what is served.
 */
import type { AccessRule } from './access';
import type { AnyProcedure } from './procedure';

export interface OpenRpcSources {
  procedures: readonly AnyProcedure[];
  accessOf(procedure: AnyProcedure): AccessRule;
  /** The params schema ajv compiled for a procedure. */
  schemaOf(name: string): { properties?: Record<string, unknown>; required?: readonly string[] };
  version: string;
}

const ERRORS = {
  notFound: { code: -32001, message: 'Not found' },
  alreadyExists: { code: -32002, message: 'Already exists' },
  forbidden: { code: -32003, message: 'Forbidden' },
  unauthenticated: { code: -32004, message: 'Unauthenticated' },
  precondition: { code: -32005, message: 'Precondition failed' },
  limit: { code: -32007, message: 'Limit exceeded' },
  invalidParams: { code: -32602, message: 'Invalid params' },
  internal: { code: -32603, message: 'Internal error' },
};

function errorsOf(procedure: AnyProcedure, rule: AccessRule) {
  const list = [ERRORS.invalidParams];
  if (procedure.params.length > 0) list.push(ERRORS.notFound);
  if (procedure.writes) list.push(ERRORS.alreadyExists, ERRORS.precondition);
  if (procedure.params.includes('limit')) list.push(ERRORS.limit);
  if (!rule.app || rule.user !== 'app-user') list.push(ERRORS.forbidden);
  list.push(ERRORS.unauthenticated, ERRORS.internal);
  return [...new Set(list)].sort((a, b) => b.code - a.code);
}

export function buildOpenRpcDocument(sources: OpenRpcSources): object {
  const methods = [...sources.procedures]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((procedure) => {
      const rule = sources.accessOf(procedure);
      const compiled = sources.schemaOf(procedure.name);
      const required = new Set(compiled.required ?? []);
      return {
        name: procedure.name,
        description: procedure.description,
        paramStructure: 'either',
        params: procedure.params.map((name) => {
          const schema = (compiled.properties?.[name] ?? {}) as { description?: string };
          return { name, required: required.has(name), schema, ...(schema.description ? { description: schema.description } : {}) };
        }),
        result: { name: 'result', schema: procedure.result },
        errors: errorsOf(procedure, rule),
        'x-access': {
          app: rule.app,
          user: typeof rule.user === 'string' ? rule.user : { project: rule.user.project },
        },
      };
    });
  return {
    openrpc: '1.3.2',
    info: { title: 'Roster JSON-RPC', version: sources.version },
    servers: [
      { name: 'strict', url: '/rpc' },
      { name: 'compat', url: '/jsonrpc.php' },
    ],
    methods,
  };
}
