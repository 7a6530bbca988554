/**
 * One JSON-RPC HTTP request, after the body was read: parse, shape rules, authentication, the rate
 * limit, the Kanboard whole-batch access rule, then each element in order through jayson. Returns
 * the exact status and body; the express glue in router.ts only writes them.
 */
import type { AuthenticateOptions, Authenticator, Credentials } from '../../core/authentication';
import type { CallOptions, Dispatcher } from '../../core/dispatcher';
import { isStreamedArray } from '../../core/streamedArray';
import type { AnyProcedure, Principal, Surface } from '../../core/procedure';
import type { RateLimiter } from '../../core/rateLimit';
import { checkRateLimit } from '../http/rateLimit';
import type { ObservedOptions, RequestRecord } from '../http/requestLog';
import { parseBody, type CallElement, type Element } from './envelope';
import type { ElementDispatcher } from './jaysonDispatch';
import {
  FORBIDDEN_BODY,
  METHOD_NOT_FOUND,
  STRICT_ERRORS,
  UNAUTHORIZED_BODY,
  errorResponse,
  failedCallResponse,
  resultResponse,
  streamedResultResponse,
  type Mode,
  type WireResponse,
} from './wire';

export interface HttpAnswer {
  status: number;
  /** Serialised JSON, or null for an empty body (or a streamed one). */
  body: string | null;
  headers?: Record<string, string>;
  /**
   * Instead of `body`: the serialised JSON in pieces, produced as they are written (a single call
   * whose result streams). `close` releases what producing them holds; call it in every case.
   */
  stream?: { chunks: AsyncIterable<string>; close(): Promise<void> };
}

export interface EndpointOptions {
  mode: Mode;
  dispatcher: Dispatcher;
  elements: ElementDispatcher;
  authenticator: Authenticator;
  batchLimit: number;
  /** RATE_LIMIT_PER_MINUTE: one unit per well-formed request element (§4.5). */
  rateLimiter: RateLimiter;
  /** The method lookup (default: procedureResolver), shared with the request log's. */
  resolve?: (name: string) => AnyProcedure | undefined;
}

/** What the endpoint knows of the HTTP request besides its body and credentials. */
export interface RequestMeta {
  requestId: string;
  /** The peer's address, for the audit log ("" when unknown). */
  clientAddress: string;
  /** The request's record, handed to the authenticator and the dispatcher (observation). */
  requestRecord?: RequestRecord;
}

const WWW_AUTHENTICATE = { 'WWW-Authenticate': 'Basic realm="JsonRPC"' };

function json(status: number, payload: unknown, headers?: Record<string, string>): HttpAnswer {
  return { status, body: JSON.stringify(payload), headers };
}

export function limitExceededAnswer(reason: 'batch_too_large' | 'body_too_large', limit: number, status: number): HttpAnswer {
  return json(status, errorResponse(STRICT_ERRORS.LIMIT_EXCEEDED({ reason, limit }, ''), null));
}

/** Most method names a resolver remembers (the names clients send; in Kanboard mode any case). */
const REMEMBERED_NAMES = 512;

/** The endpoint's method lookup (dispatcher.resolve), remembering the names that resolve. */
export function procedureResolver(dispatcher: Dispatcher, mode: Mode): (name: string) => AnyProcedure | undefined {
  const surface: Surface = mode === 'kanboard' ? 'jsonrpc' : 'rpc';
  const known = new Map<string, AnyProcedure>();
  return (name) => {
    let procedure = known.get(name);
    if (procedure) return procedure;
    procedure = dispatcher.resolve(name, mode === 'kanboard', surface);
    if (procedure && known.size < REMEMBERED_NAMES) known.set(name, procedure);
    return procedure;
  };
}

export function createEndpoint(options: EndpointOptions) {
  const { mode, dispatcher, elements, authenticator } = options;
  const surface: Surface = mode === 'kanboard' ? 'jsonrpc' : 'rpc';
  const route = mode === 'kanboard' ? 'POST /jsonrpc.php' : 'POST /rpc';

  const resolve = options.resolve ?? procedureResolver(dispatcher, mode);

  /** `streamable`: the element's result may stay a StreamedArray (a single call; see handle). */
  async function runElement(element: Element, principal: Principal, request: RequestMeta, streamable: boolean): Promise<WireResponse | null> {
    const { requestId } = request;
    if (element.kind === 'invalid') return errorResponse(element.error, null);
    const procedure = resolve(element.method);
    if (!procedure) {
      if (element.notification) return null;
      return errorResponse(
        mode === 'strict' ? STRICT_ERRORS.METHOD_NOT_FOUND({}, requestId) : { ...METHOD_NOT_FOUND },
        element.id,
      );
    }
    const acceptsStreamedArray = streamable && !element.notification;
    const callOptions: CallOptions & ObservedOptions = { principal, mode, requestId, surface, route, acceptsStreamedArray, clientAddress: request.clientAddress, requestRecord: request.requestRecord };
    const outcome = await elements.run(procedure, element.params, callOptions);
    if (element.notification) return null;
    return outcome.ok ? resultResponse(outcome.result, element.id) : failedCallResponse(mode, outcome.error, procedure.failure, element.id, requestId);
  }

  /** Kanboard §5.4: if any element would be denied, nothing runs and the answer is one 403. */
  async function batchDenied(calls: CallElement[], principal: Principal, requestId: string): Promise<boolean> {
    for (const call of calls) {
      const procedure = resolve(call.method);
      if (!procedure) continue;
      const denial = await dispatcher.precheck(procedure, call.params, { principal, mode, requestId, surface });
      if (denial?.code === 'FORBIDDEN') return true;
    }
    return false;
  }

  return async function handle(body: Buffer | undefined, credentials: Credentials | null, request: RequestMeta): Promise<HttpAnswer> {
    const { requestId, requestRecord } = request;
    const parsed = parseBody(body, mode, options.batchLimit);
    if (parsed.kind === 'error') return json(200, errorResponse(parsed.error, null));
    if (parsed.kind === 'limit') return limitExceededAnswer('batch_too_large', parsed.limit, 200);

    const list = parsed.kind === 'batch' ? parsed.elements : [parsed.element];
    const calls = list.filter((e): e is CallElement => e.kind === 'call');

    let principal: Principal = { kind: 'app' };
    if (calls.length > 0) {
      const authOptions: AuthenticateOptions & ObservedOptions = { allowAppToken: true, requestId, requestRecord };
      const found = await authenticator.authenticate(credentials, authOptions);
      if (!found) return json(401, UNAUTHORIZED_BODY[mode], WWW_AUTHENTICATE);
      principal = found;
      // §1.6 (6): notifications count too; a batch that does not fit is refused whole
      const limited = await checkRateLimit(options.rateLimiter, principal, calls.length);
      if (limited) return json(429, failedCallResponse(mode, limited.error, null, null, requestId), limited.headers);
      if (mode === 'kanboard' && (await batchDenied(calls, principal, requestId))) return json(403, FORBIDDEN_BODY);
    }

    // Only a single call streams its result. In a batch the elements run one after the other and the
    // answer is written after the last, so a streamed result is read whole: the snapshot it reads must
    // not stay open while later elements run (with PGlite it holds the only connection).
    const streamable = parsed.kind === 'single';
    const responses: WireResponse[] = [];
    for (const element of list) {
      const response = await runElement(element, principal, request, streamable);
      if (response) responses.push(response);
    }
    if (responses.length === 0) return mode === 'strict' ? { status: 204, body: null } : { status: 200, body: '' };
    if (parsed.kind === 'batch') return json(200, responses);
    const [response] = responses;
    if ('result' in response && isStreamedArray(response.result)) {
      const pages = response.result;
      return { status: 200, body: null, stream: { chunks: streamedResultResponse(pages, response.id), close: () => pages.close() } };
    }
    return json(200, response);
  };
}
