/**
 * jayson as the per-element dispatcher (JSON-RPC contract §13): the adapter owns parsing, batching,
 * authentication and serialisation, and hands each well-formed element to `server.call` with a
 * context carrying the caller. Methods are routed through a Map of registered procedures only.
 */
import jayson from 'jayson';
import type { AppError } from '../../core/errors';
import type { AnyProcedure } from '../../core/procedure';
import type { CallOptions, Dispatcher } from '../../core/dispatcher';

export type Outcome = { ok: true; result: unknown } | { ok: false; error: AppError };

interface ElementContext {
  procedure: AnyProcedure;
  options: CallOptions;
}

export interface ElementDispatcher {
  run(procedure: AnyProcedure, params: unknown, options: CallOptions): Promise<Outcome>;
}

export function createElementDispatcher(dispatcher: Dispatcher, batchLimit: number): ElementDispatcher {
  const methods = new Map<string, jayson.Method>();
  for (const procedure of new Set([...dispatcher.proceduresFor('jsonrpc'), ...dispatcher.proceduresFor('rpc')])) {
    methods.set(
      procedure.name,
      new jayson.Method({
        useContext: true,
        handler: ((params: unknown, context: ElementContext, callback: (err: unknown, result?: Outcome) => void) => {
          dispatcher.call(context.procedure, params, context.options).then(
            (result) => callback(null, { ok: true, result }),
            (error: AppError) => callback(null, { ok: false, error }),
          );
        }) as unknown as jayson.MethodHandlerContext,
      }),
    );
  }
  const server = new jayson.Server({}, { useContext: true, maxBatchLength: batchLimit, router: (name: string) => methods.get(name) as jayson.Method });

  return {
    run(procedure, params, options) {
      const context: ElementContext = { procedure, options };
      const request = { jsonrpc: '2.0', method: procedure.name, params: params as jayson.RequestParamsLike, id: 1 };
      return new Promise((resolve, reject) => {
        server.call(request, context, (error: unknown, response?: { result?: Outcome }) => {
          if (response?.result) resolve(response.result);
          else reject(new Error(`jayson could not dispatch ${procedure.name}: ${JSON.stringify(error)}`));
        });
      });
    },
  };
}
