/**
 * What every answer must satisfy, and how the fuzzer reads an answer: accepted, rejected, or
 * unknown (no answer). Rules: an answer comes (unless the request was broken at the HTTP level or
 * too large to be read); no 5xx except a deliberate 503; no internal-error answer (JSON-RPC
 * -32603, OCS 996); no stack trace, file path, SQL or driver text; a body is JSON or OCS XML, never
 * an HTML page. Text the fuzzer itself sent (SQL injection strings, markup) may come
 * back as data, so a marker counts only while no request so far contained it ("taint").
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { findRoute } from '../../src/adapters/ocs/route';
import { OCS_ROUTES } from '../../src/adapters/ocs/routes';
import { ROUTES as OIDC_ROUTES } from '../../src/adapters/nmcuserOidc/router';
import type { AnyProcedure } from '../../src/core/procedure';
import { servesSurface } from '../../src/core/dispatcher';
import { BAD_UTF8 } from './values';
import { withInvalidUtf8, type Exchange, type FuzzRequest } from './wire';

/** Markers of text that must never reach a client, found case-insensitively. */
const LEAK_MARKERS: readonly [string, RegExp][] = [
  ['stack frame', /\n\s+at [^\n]*[(\s](\/|node:|file:)[^\n]*:\d+:\d+/i],
  ['stack frame', /\bat (async )?[\w$.<>]+ \([^)]*:\d+:\d+\)/],
  ['error class', /\b(Type|Range|Reference|Syntax|Aggregate|Database)Error: /],
  ['file path', /\/work\/|node_modules|\/src\/[\w/]+\.(ts|js)|\.ts:\d+/i],
  ['SQL error', /syntax error at or near|invalid input syntax|violates (unique|foreign key|not-null|check) constraint|duplicate key value|out of range for type|sqlstate/i],
  ['SQL text', /\b(select|insert into|update|delete from) ["\w]*\s*("[a-z_]+"|\$\d|\?\s*(,|\)))/i],
  ['SQL text', /relation "|column "[a-z_]+" (does not|of relation)|\bknex\b|pglite|node-postgres/i],
  ['SQL keyword', /\b(select\s+[\w"*]+\s+from|insert into|returning \*|where "[a-z_]+")/i],
  ['HTML page', /<!doctype html|<html[\s>]|<body[\s>]|<title>|<pre>/i],
  // express's and Node's own error pages (the fuzzer never sends these)
  ['HTML error page', /<title>Error<\/title>|<html lang=|<meta charset|Cannot (GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) \//],
];

export class Taint {
  private seen = new Set<string>();

  /** Notes the markers a request's bytes contain, as sent and percent-decoded (markers are ASCII). */
  note(bytes: Buffer): void {
    const text = bytes.toString('latin1');
    const decoded = text.length <= 65536 && text.includes('%') ? decodeSafely(text) : '';
    for (const [name, pattern] of LEAK_MARKERS) if (pattern.test(text) || pattern.test(decoded)) this.seen.add(`${name}:${pattern.source}`);
  }

  /** The leak markers in `text` that no request brought in. */
  leaks(text: string): string[] {
    return LEAK_MARKERS.filter(([name, pattern]) => pattern.test(text) && !this.seen.has(`${name}:${pattern.source}`)).map(([name, pattern]) => `${name} (${pattern.exec(text)?.[0]})`);
  }
}

/** Form and path decoding, byte by byte (the markers are ASCII, so bytes as Latin-1 suffice). */
function decodeSafely(text: string): string {
  return text.replace(/\+/g, ' ').replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The OCS statuscode of an enveloped answer (XML or JSON), if any. */
export function ocsStatuscode(body: string): number | undefined {
  const match = /<statuscode>(\d+)<\/statuscode>|"statuscode":(\d+)/.exec(body);
  return match ? Number(match[1] ?? match[2]) : undefined;
}

/** Mutations after which the server may close without an answer (HTTP-level errors, unread bodies). */
const ANSWERLESS = new Set(['short', 'long', 'chunked-broken', 'length-and-chunked', 'long-header', 'many-headers', 'header-bytes', 'path-bytes', 'query-bytes', 'duplicate-length', 'no-host', 'http10', 'absolute-target', 'method-odd', 'oversized', 'gzip-bomb', 'expect-continue']);

/** The problems of one answer; empty when it is fine. */
export function answerProblems(req: FuzzRequest, result: Exchange, taint: Taint): string[] {
  const problems: string[] = [];
  const { answer } = result;
  if (result.timedOut) problems.push('no answer in time (hang)');
  const bigBody = req.wire.body.length > 512 * 1024;
  if (answer.status === 0) {
    if (!req.wire.mutations.some((m) => ANSWERLESS.has(m)) && !bigBody && !result.timedOut) problems.push('connection closed without an answer');
    return problems;
  }
  const body = answer.body.toString('utf8');
  const statuscode = req.surface === 'ocs' ? ocsStatuscode(body) : undefined;
  // issue 8: no 5xx but a deliberate 503 (the OCS spec's HTTP 500 for a malformed JSON body and for
  // 999 were made client errors for it), and no internal error in any form
  if (answer.status >= 500 && answer.status !== 503) problems.push(`HTTP ${answer.status}`);
  if (statuscode === 996) problems.push('OCS 996 internal error');
  if ((req.surface === 'jsonrpc' || req.surface === 'rpc') && internalErrorIn(body)) problems.push('JSON-RPC -32603 internal error');
  const problem = bodyShapeProblem(answer.headers['content-type'] ?? '', body, answer.complete);
  if (problem) problems.push(problem);
  const headerText = Object.entries(answer.headers).map(([k, v]) => `${k}: ${v}`).join('\n');
  for (const leak of taint.leaks(`${headerText}\n${body}`)) problems.push(`leak: ${leak}`);
  return problems;
}

/** The body as the server reads it (inflated); undefined when its framing or encoding keeps it from being read as given. */
export function bodyAsRead(req: FuzzRequest): Buffer | undefined {
  if (req.wire.framing !== 'length') return undefined;
  const body = withInvalidUtf8(req.wire.body, req.wire.body.length);
  const encoding = (req.wire.headers.find(([name]) => name.toLowerCase() === 'content-encoding')?.[1] ?? 'identity').toLowerCase();
  try {
    if (encoding === 'gzip') return gunzipSync(body);
    if (encoding === 'deflate') return inflateSync(body);
    return body;
  } catch {
    return undefined;
  }
}

/** Whether a JSON-RPC answer (single or batch) holds an internal error. */
function internalErrorIn(body: string): boolean {
  try {
    const parsed: unknown = JSON.parse(body);
    return (Array.isArray(parsed) ? parsed : [parsed]).some((r) => (r as { error?: { code?: unknown } } | null)?.error?.code === -32603);
  } catch {
    return /"code":-32603\b/.test(body);
  }
}

/** A body is JSON or OCS XML, never HTML or plain text; a JSON body parses (unless it was cut off). */
function bodyShapeProblem(contentType: string, body: string, complete: boolean): string | undefined {
  if (body === '') return undefined;
  if (/json/i.test(contentType)) {
    if (!complete) return undefined;
    try {
      JSON.parse(body);
      return undefined;
    } catch {
      return `invalid JSON body (${contentType})`;
    }
  }
  if (/^application\/xml/i.test(contentType) && body.startsWith('<?xml')) return undefined;
  return `unexpected body of type "${contentType}"`;
}

export type Outcome = 'accepted' | 'rejected' | 'unknown';

const isRejectedElement = (element: unknown) =>
  typeof element !== 'object' || element === null || 'error' in element || (element as { result?: unknown }).result === false || (element as { result?: unknown }).result === null;

/** Whether the server refused the request as a whole (so it must not have changed anything). */
export function outcomeOf(req: FuzzRequest, result: Exchange): Outcome {
  const { status, body } = result.answer;
  if (status === 0) return 'unknown';
  if (status >= 400) return 'rejected';
  const text = body.toString('utf8');
  if (req.surface === 'ocs') {
    const code = ocsStatuscode(text);
    return code === undefined ? 'unknown' : code === 100 || code === 200 ? 'accepted' : 'rejected';
  }
  if (req.surface === 'nmcuser_oidc') return 'accepted';
  if (text === '') return 'unknown'; // notifications only: nothing tells how they went
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'unknown'; // a streamed answer cut off
  }
  if (!(Array.isArray(parsed) ? parsed.every(isRejectedElement) : isRejectedElement(parsed))) return 'accepted';
  // a notification in a batch has no answer to tell how it went
  const elements = requestElements(req);
  if (Array.isArray(parsed) && (elements === undefined || elements.some((e) => isNotification(e, req.surface)))) return 'unknown';
  return 'rejected';
}

function isNotification(element: unknown, surface: FuzzRequest['surface']): boolean {
  if (typeof element !== 'object' || element === null || typeof (element as { method?: unknown }).method !== 'string') return false;
  const id = (element as { id?: unknown }).id;
  return surface === 'rpc' ? !Object.prototype.hasOwnProperty.call(element, 'id') : id === undefined || id === null;
}

/** The JSON-RPC elements of the request body as the server read it; undefined when that cannot be told. */
function requestElements(req: FuzzRequest): unknown[] | undefined {
  const body = bodyAsRead(req);
  if (body === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return undefined;
  }
}

const foldAscii = (name: string) => name.replace(/[A-Z]/g, (c) => c.toLowerCase());

function segmentsAfter(rest: string): string[] | null {
  let path = rest.endsWith('/') ? rest.slice(0, -1) : rest;
  if (path.startsWith('/')) path = path.slice(1);
  if (path === '') return [];
  try {
    return path.split('/').map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

/**
 * The procedures the request can reach, as the server resolves them; `undefined` when that cannot
 * be told (transport mutations, invalid bytes in the path).
 */
export function reachableProcedures(req: FuzzRequest, registry: readonly AnyProcedure[]): AnyProcedure[] | undefined {
  const { wire } = req;
  if (wire.mutations.length > 0 || wire.target.includes(BAD_UTF8)) return undefined;
  const path = wire.target.split('?')[0];
  const byName = (name: string) => registry.find((p) => p.name === name);
  if (req.surface === 'ocs') {
    const match = /^\/ocs\/v[12]\.php(\/.*)?$/.exec(path);
    const rest = match?.[1] ?? '';
    if (!match || (rest !== '/cloud' && !rest.startsWith('/cloud/'))) return [];
    const segments = segmentsAfter(rest.slice('/cloud'.length));
    const lookup = segments ? findRoute(OCS_ROUTES, wire.method, segments) : { kind: 'unknown' as const };
    return lookup.kind === 'route' ? [byName(lookup.match.route.procedure)!, byName('ocsCallerLevel')!] : [];
  }
  if (req.surface === 'nmcuser_oidc') {
    const match = /^(?:\/index\.php)?\/apps\/nmcuser_oidc\/api\/1\.[01](\/.*)?$/.exec(path);
    const segments = match ? segmentsAfter(match[1] ?? '') : null;
    if (!segments) return [];
    const route = OIDC_ROUTES.find((r) => r.method === wire.method && r.path.length === segments.length && r.path.every((part, i) => part.startsWith('{') || part === segments[i]));
    return route ? [byName(route.procedure)!] : [];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(withInvalidUtf8(wire.body, wire.body.length)));
  } catch {
    return [];
  }
  const surface = req.surface;
  const found: AnyProcedure[] = [];
  for (const element of Array.isArray(parsed) ? parsed : [parsed]) {
    const method = (element as { method?: unknown } | null)?.method;
    if (typeof method !== 'string') continue;
    const procedure = registry.find((p) => (surface === 'jsonrpc' ? foldAscii(p.name) === foldAscii(method) : p.name === method) && servesSurface(p, surface));
    if (procedure) found.push(procedure);
  }
  return found;
}
