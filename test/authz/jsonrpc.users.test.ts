/**
 * Authorization matrix, JSON-RPC surface: users, their search and the OIDC providers — every row of
 * the `users` section of ./table.jsonrpc.ts × every column, at /jsonrpc.php and /rpc.
 */
import { describeJsonRpcMatrix } from './jsonrpcMatrix';

describeJsonRpcMatrix('users');
