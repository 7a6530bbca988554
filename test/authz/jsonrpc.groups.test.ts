/**
 * Authorization matrix, JSON-RPC surface: groups, group members and their search — every row of
 * the `groups` section of ./table.jsonrpc.ts × every column, at /jsonrpc.php and /rpc.
 */
import { describeJsonRpcMatrix } from './jsonrpcMatrix';

describeJsonRpcMatrix('groups');
