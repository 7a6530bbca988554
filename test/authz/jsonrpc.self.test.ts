/**
 * Authorization matrix, JSON-RPC surface: the Me procedures, the app constants and rpc.discover —
 * every row of the `self` section of ./table.jsonrpc.ts × every column, at /jsonrpc.php and /rpc.
 */
import { describeJsonRpcMatrix } from './jsonrpcMatrix';

describeJsonRpcMatrix('self');
