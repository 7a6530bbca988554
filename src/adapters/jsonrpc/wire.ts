/**
 * JSON-RPC wire objects for both endpoints: response members in the order jsonrpc, result|error,
 * id; error members code, message, data. One exhaustive table per endpoint maps the error catalog.
 */
import type { AppError, ErrorCode, ErrorDetails } from '../../core/errors';

export type Mode = 'kanboard' | 'strict';

export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

export type WireResponse = { jsonrpc: '2.0'; result: unknown; id: unknown } | { jsonrpc: '2.0'; error: WireError; id: unknown };

export function resultResponse(result: unknown, id: unknown): WireResponse {
  return { jsonrpc: '2.0', result, id };
}

/**
 * The response to a call whose result array arrives page by page, serialised in pieces: joined, they
 * are exactly JSON.stringify(resultResponse(wholeArray, id)). The first piece holds the opening and
 * the first page, every page one piece, the last piece the closing and the id.
 */
export async function* streamedResultResponse(pages: AsyncIterable<readonly unknown[]>, id: unknown): AsyncGenerator<string> {
  let opening = '{"jsonrpc":"2.0","result":[';
  for await (const page of pages) {
    if (page.length === 0) continue;
    // an array member that JSON cannot hold (undefined, a function) is written as null, as JSON.stringify does
    const items = page.map((item) => JSON.stringify(item) ?? 'null').join(',');
    yield opening === '' ? `,${items}` : opening + items;
    opening = '';
  }
  // JSON.stringify leaves out a member whose value is undefined
  yield `${opening}]${id === undefined ? '' : `,"id":${JSON.stringify(id)}`}}`;
}

export function errorResponse(error: WireError, id: unknown): WireResponse {
  return { jsonrpc: '2.0', error, id };
}

export const PARSE_ERROR = { code: -32700, message: 'Parse error' } as const;
export const INVALID_REQUEST = { code: -32600, message: 'Invalid Request' } as const;
export const METHOD_NOT_FOUND = { code: -32601, message: 'Method not found' } as const;

/** Strict error, with `data.reason` first and the other members after it. */
export function strictError(code: number, message: string, reason: string | null, extra: Record<string, unknown> = {}): WireError {
  const data: Record<string, unknown> = reason === null ? {} : { reason };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) data[key] = value;
  return { code, message, data };
}

type StrictMapper = (details: ErrorDetails, requestId: string) => WireError;

/** strict: every catalog code → its JSON-RPC error object (§3.3). */
export const STRICT_ERRORS: Record<ErrorCode, StrictMapper> = {
  METHOD_NOT_FOUND: () => strictError(-32601, 'Method not found', 'method_not_found'),
  WRONG_ARGUMENTS: (d) =>
    strictError(-32602, 'Invalid params', 'invalid_params', { errors: [{ instancePath: '', keyword: 'arguments', message: d.message ?? '' }] }),
  INVALID_PARAMS: (d) => strictError(-32602, 'Invalid params', 'invalid_params', { errors: d.errors ?? [] }),
  NOT_FOUND: (d) => strictError(-32001, 'Not found', 'not_found', { resource: d.resource, id: d.id }),
  ALREADY_EXISTS: (d) => strictError(-32002, 'Already exists', 'already_exists', { resource: d.resource, field: d.field }),
  FORBIDDEN: (d) => strictError(-32003, 'Forbidden', d.reason ?? 'forbidden', { required: d.required }),
  REFUSED: () => strictError(-32003, 'Forbidden', 'forbidden'),
  UNAUTHENTICATED: () => strictError(-32004, 'Unauthenticated', 'unauthenticated'),
  PRECONDITION_FAILED: (d) => strictError(-32005, 'Precondition failed', d.reason ?? 'precondition_failed'),
  RATE_LIMITED: (d) => strictError(-32006, 'Rate limited', 'rate_limited', { retryAfterMs: d.retryAfterMs }),
  LIMIT_EXCEEDED: (d) => strictError(-32007, 'Limit exceeded', d.reason ?? 'limit_exceeded', { limit: d.limit }),
  INTERNAL: (_d, requestId) => ({ code: -32603, message: 'Internal error', data: { requestId } }),
};

/** What a Kanboard-mode element answers: the procedure's failure value, or an error object. */
type KanboardOutcome = { failureValue: true } | { error: WireError };
type KanboardMapper = (details: ErrorDetails, requestId: string) => KanboardOutcome;

const failureValue: KanboardMapper = () => ({ failureValue: true });

/** compat: every catalog code → failure value or error object (§3.2, §3.4). */
export const KANBOARD_ERRORS: Record<ErrorCode, KanboardMapper> = {
  METHOD_NOT_FOUND: () => ({ error: { ...METHOD_NOT_FOUND } }),
  WRONG_ARGUMENTS: (d) => ({ error: { code: -32602, message: 'Invalid params', data: d.message } }),
  INVALID_PARAMS: failureValue,
  NOT_FOUND: failureValue,
  ALREADY_EXISTS: failureValue,
  FORBIDDEN: () => ({ error: { code: 403, message: 'Forbidden' } }),
  REFUSED: failureValue,
  UNAUTHENTICATED: () => ({ error: { code: 401, message: 'Unauthorized' } }),
  PRECONDITION_FAILED: failureValue,
  RATE_LIMITED: (d, requestId) => ({ error: STRICT_ERRORS.RATE_LIMITED(d, requestId) }),
  LIMIT_EXCEEDED: failureValue,
  INTERNAL: (d, requestId) => ({ error: STRICT_ERRORS.INTERNAL(d, requestId) }),
};

/** The element response for a failed call in either mode. */
export function failedCallResponse(mode: Mode, error: AppError, failure: unknown, id: unknown, requestId: string): WireResponse {
  if (mode === 'strict') return errorResponse(STRICT_ERRORS[error.code](error.details, requestId), id);
  const outcome = KANBOARD_ERRORS[error.code](error.details, requestId);
  if ('error' in outcome) return errorResponse(outcome.error, id);
  return resultResponse('failureValue' in error.details ? error.details.failureValue : failure, id);
}

/** Whole-request answers that replace every element. */
export const UNAUTHORIZED_BODY: Record<Mode, WireResponse> = {
  kanboard: errorResponse({ code: 401, message: 'Unauthorized' }, null),
  strict: errorResponse(STRICT_ERRORS.UNAUTHENTICATED({}, ''), null),
};

export const FORBIDDEN_BODY = errorResponse({ code: 403, message: 'Forbidden' }, null);
