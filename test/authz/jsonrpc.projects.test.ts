/**
 * Authorization matrix, JSON-RPC surface: projects and the project search (project-scoped rows on
 * a private project) — every row of the `projects` section of ./table.jsonrpc.ts × every column,
 * at /jsonrpc.php and /rpc.
 */
import { describeJsonRpcMatrix } from './jsonrpcMatrix';

describeJsonRpcMatrix('projects');
