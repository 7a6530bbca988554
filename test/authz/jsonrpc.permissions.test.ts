/**
 * Authorization matrix, JSON-RPC surface: project permissions on a private project — every row of
 * the `permissions` section of ./table.jsonrpc.ts × every column, at /jsonrpc.php and /rpc.
 */
import { describeJsonRpcMatrix } from './jsonrpcMatrix';

describeJsonRpcMatrix('permissions');
