/**
 * POST /jsonrpc.php and POST /rpc in their common form, served in front of express
 * (src/adapters/http/frontHandler.ts): express's per-request set-up (prototype swaps, the layer walk,
 * body-parser) costs more than the rest of a whole `getUser` call. The request then goes through the
 * very steps express would run for it — request id, request record, marks, gate, body, handler,
 * body errors (router.ts) — so its answer, log line and metrics are the same byte for byte.
 *
 * Only requests whose body express would read as a plain byte copy are taken: the exact path, POST,
 * a Content-Length of 1 byte up to the body limit, no Content-Encoding or Transfer-Encoding, and in
 * strict mode a JSON media type. Everything else (other methods, a query string, compressed,
 * chunked, empty or oversized bodies, a wrong media type) goes to express as before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { assignRequestId, type WithLocals } from '../http/requestId';
import { openRequestRecord, type RequestHook } from '../http/requestLog';

export type Mode = 'kanboard' | 'strict';

/** An error from reading a body, as body-parser reports it (`type`, HTTP `status`), or any error. */
export interface BodyError {
  type?: string;
  status?: number;
}

type JsonRpcResponse = ServerResponse & WithLocals;

/** Serves the request and returns true, or returns false without touching it. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface FastPathSteps {
  bodyLimit: number;
  /** The request observers express runs (the log line, the metrics). */
  observers: readonly RequestHook[];
  isJsonMediaType(req: IncomingMessage): boolean;
  /** The route's steps before the body is read (marks, gate); `then` when the request goes on. */
  open(mode: Mode, req: IncomingMessage, res: JsonRpcResponse, then: () => void): void;
  /** The route's handler, once the body was read. */
  serve(mode: Mode, req: IncomingMessage, res: JsonRpcResponse, body: Buffer): Promise<void>;
  /** The route's error handler (a body that could not be read, or a handler that failed). */
  bodyError(mode: Mode, error: BodyError, res: JsonRpcResponse): void;
  /** What the app's last error handler does when the route's own failed too (log, end the response). */
  unhandled(error: unknown, res: JsonRpcResponse): void;
}

const MODES = new Map<string | undefined, Mode>([
  ['/jsonrpc.php', 'kanboard'],
  ['/rpc', 'strict'],
]);
const DIGITS = /^[0-9]{1,15}$/;
/** What raw-body reports when the client goes away before the body is complete. */
const ABORTED: BodyError = Object.freeze({ type: 'request.aborted', status: 400 });

/**
 * The body, or ABORTED when the request closes before its end. (node emits no 'error' on a request
 * without a listener for it; an aborted one emits 'aborted', maybe 'error', then 'close'.)
 */
function readBody(req: IncomingMessage, done: (error: BodyError | null, body?: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let ended = false;
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    ended = true;
    done(null, Buffer.concat(chunks));
  });
  req.on('close', () => {
    if (!ended) done(ABORTED);
  });
}

export function jsonRpcFastPath(steps: FastPathSteps): FastPath {
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const mode = MODES.get(req.url);
    if (!mode) return false;
    const { headers } = req;
    const length = headers['content-length'];
    if (length === undefined || !DIGITS.test(length) || headers['transfer-encoding'] !== undefined || headers['content-encoding'] !== undefined) return false;
    const size = Number(length);
    if (size === 0 || size > steps.bodyLimit) return false;
    if (mode === 'strict' && !steps.isJsonMediaType(req)) return false;

    const response = res as JsonRpcResponse;
    // what express does for a route's handlers: a failure goes to its error handler, and a failure
    // there to the app's
    const failed = (error: BodyError) => {
      try {
        steps.bodyError(mode, error, response);
      } catch (unexpected) {
        steps.unhandled(unexpected, response);
      }
    };
    try {
      response.locals = Object.create(null) as Record<string, unknown>;
      assignRequestId(req, response);
      openRequestRecord(req, response, steps.observers);
      steps.open(mode, req, response, () =>
        readBody(req, (error, body) => {
          if (error) return failed(error);
          steps.serve(mode, req, response, body!).catch(failed);
        }),
      );
    } catch (unexpected) {
      steps.unhandled(unexpected, response);
    }
    return true;
  };
}
