/**
 * Shared assertions for the JSON-RPC protocol tests (contract §1, §3.5): response headers, the
 * exact whole-request error bodies, and the no-leak rules.
 */
import request from 'supertest';
import { API_TOKEN, type Endpoint, type TestApp } from './app';

/** `^[A-Za-z0-9._-]{1,64}$` ids are echoed; anything else is replaced by a UUID. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const COMPAT_PARSE_ERROR = '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}';
export const COMPAT_INVALID_REQUEST = '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}';
export const COMPAT_METHOD_NOT_FOUND = (id: string) => `{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":${id}}`;
export const COMPAT_UNAUTHORIZED = '{"jsonrpc":"2.0","error":{"code":401,"message":"Unauthorized"},"id":null}';
export const COMPAT_FORBIDDEN = '{"jsonrpc":"2.0","error":{"code":403,"message":"Forbidden"},"id":null}';
export const COMPAT_WRONG = (data: string, id: string) =>
  `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"${data}"},"id":${id}}`;

export const STRICT_PARSE_ERROR = '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error","data":{"reason":"parse_error"}},"id":null}';
export const STRICT_INVALID_REQUEST = '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request","data":{"reason":"invalid_request"}},"id":null}';
export const STRICT_METHOD_NOT_FOUND = (id: string) =>
  `{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found","data":{"reason":"method_not_found"}},"id":${id}}`;
export const STRICT_UNAUTHENTICATED = '{"jsonrpc":"2.0","error":{"code":-32004,"message":"Unauthenticated","data":{"reason":"unauthenticated"}},"id":null}';
export const STRICT_METHOD_NOT_ALLOWED =
  '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request","data":{"reason":"method_not_allowed"}},"id":null}';
export const STRICT_UNSUPPORTED_MEDIA_TYPE =
  '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request","data":{"reason":"unsupported_media_type"}},"id":null}';
export const LIMIT = (reason: 'batch_too_large' | 'body_too_large', limit: number) =>
  `{"jsonrpc":"2.0","error":{"code":-32007,"message":"Limit exceeded","data":{"reason":"${reason}","limit":${limit}}},"id":null}`;

export const PROJECT_ROLES = '{"project-manager":"Project Manager","project-member":"Project Member","project-viewer":"Project Viewer"}';
export const APPLICATION_ROLES = '{"app-admin":"Administrator","app-manager":"Manager","app-user":"User"}';

/** A request without the helper's Content-Type, for media-type and HTTP-method tests. */
export function bare(t: TestApp, method: 'get' | 'post' | 'put' | 'delete' | 'patch', endpoint: Endpoint, auth = true): request.Test {
  const req = request(t.app)[method](endpoint);
  return auth ? req.auth('jsonrpc', API_TOKEN) : req;
}

/** Headers every JSON-RPC response carries (§1.1). */
export function expectCommonHeaders(res: request.Response, requestId?: string): void {
  expect(res.headers['x-powered-by']).toBeUndefined();
  const id = res.headers['x-request-id'];
  if (requestId === undefined) expect(id).toMatch(UUID);
  else expect(id).toBe(requestId);
}

/** A response with a JSON body (anything but 204). */
export function expectJson(res: request.Response, status: number, text: string, requestId?: string): void {
  expect({ status: res.status, text: res.text }).toEqual({ status, text });
  expect(res.headers['content-type']).toMatch(/^application\/json(; ?charset=utf-8)?$/i);
  expectCommonHeaders(res, requestId);
  expectNoLeak(res.text);
}

/** compat "nothing to answer": HTTP 200, empty body, Content-Type application/json. */
export function expectCompatEmpty(res: request.Response): void {
  expectJson(res, 200, '');
}

/** strict "nothing to answer": HTTP 204, no body. */
export function expectNoContent(res: request.Response, requestId?: string): void {
  expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: '' });
  expectCommonHeaders(res, requestId);
}

/** §3.5: no stack trace, SQL, driver message, file path or HTML. */
export function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/<[a-z!/]/i);
  expect(text).not.toMatch(/\bat .*\(.*:\d+:\d+\)|\n\s+at /);
  expect(text).not.toMatch(/SELECT|INSERT|UPDATE |DELETE|relation|syntax error|node_modules|\/src\/|\.ts:\d/i);
}

/** Sends bytes as they are (superagent would JSON-serialise a Buffer under a JSON Content-Type). */
export function sendBytes(req: request.Test, bytes: Buffer): request.Test {
  return req.serialize(((body: Buffer) => body) as unknown as (obj: unknown) => string).send(bytes);
}

/** `prefix` + raw bytes + `suffix` as one Buffer. */
export function bytesOf(prefix: string, raw: number[], suffix = ''): Buffer {
  return Buffer.concat([Buffer.from(prefix), Buffer.from(raw), Buffer.from(suffix)]);
}
