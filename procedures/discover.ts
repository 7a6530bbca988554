/** rpc.discover: the OpenRPC description of every callable method (built at start by the app). */
import { defineProcedure } from '../src/core/procedure';
import { noParams } from '../schemas/users';

export const discover = defineProcedure({
  name: 'rpc.discover',
  description: 'The OpenRPC 1.3.2 document of this JSON-RPC API: every method with its params schema, result, errors and access.',
  params: [],
  schema: noParams('rpc.discover'),
  result: { type: 'object', description: 'OpenRPC document' },
  writes: false,
  failure: null,
  handler: async (_p, ctx) => ctx.services.apiDescription(),
});
