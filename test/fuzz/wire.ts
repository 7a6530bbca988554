/**
 * Requests as bytes on a socket, so nothing between the fuzzer and the server cleans them up:
 * invalid UTF-8 in paths, queries, headers and bodies, NUL bytes, long headers, chunked and gzip
 * bodies (valid and broken), Content-Length that lies. One request per connection (`Connection:
 * close`); the answer is what came back until the server closed it.
 */
import net from 'node:net';
import { gzipSync, deflateSync } from 'node:zlib';
import { parseAnswer, type RawAnswer } from '../helpers/rawHttp';
import type { Random } from './random';
import { BAD_UTF8, INVALID_UTF8_SEQUENCES } from './values';

/** How the body is framed on the wire. `short`: Content-Length promises more than is sent. */
export type Framing = 'length' | 'chunked' | 'chunked-broken' | 'short' | 'long' | 'length-and-chunked' | 'none';

export interface WireRequest {
  method: string;
  /** Path and query, as text (BAD_UTF8 markers become invalid bytes). */
  target: string;
  headers: [string, string][];
  body: Buffer;
  framing: Framing;
  httpVersion?: '1.1' | '1.0';
  /** Transport mutations applied (for the report). */
  mutations: string[];
}

/** Replaces every BAD_UTF8 marker by an invalid UTF-8 sequence chosen from `seed`. */
export function withInvalidUtf8(bytes: Buffer, seed: number): Buffer {
  const marker = Buffer.from(BAD_UTF8);
  if (bytes.indexOf(marker) < 0) return bytes;
  const parts: Buffer[] = [];
  let rest = bytes;
  let n = seed;
  for (let at = rest.indexOf(marker); at >= 0; at = rest.indexOf(marker)) {
    parts.push(rest.subarray(0, at), Buffer.from(INVALID_UTF8_SEQUENCES[n % INVALID_UTF8_SEQUENCES.length]));
    n += 7;
    rest = rest.subarray(at + marker.length);
  }
  parts.push(rest);
  return Buffer.concat(parts);
}

const hasHeader = (req: WireRequest, name: string) => req.headers.some(([n]) => n.toLowerCase() === name.toLowerCase());

/** The request's bytes. */
export function requestBytes(req: WireRequest): Buffer {
  const body = withInvalidUtf8(req.body, req.body.length);
  const head: Buffer[] = [withInvalidUtf8(Buffer.from(`${req.method} ${req.target} HTTP/${req.httpVersion ?? '1.1'}\r\n`, 'utf8'), 3)];
  const lines: [string, string][] = [];
  if (!hasHeader(req, 'host') && !req.mutations.includes('no-host')) lines.push(['Host', '127.0.0.1']);
  lines.push(...req.headers);
  const framing = req.framing;
  if (framing === 'length' || framing === 'length-and-chunked') lines.push(['Content-Length', String(body.length)]);
  if (framing === 'short') lines.push(['Content-Length', String(body.length + 1 + (body.length % 97))]);
  if (framing === 'long') lines.push(['Content-Length', String(Math.max(0, body.length - 1 - (body.length % 13)))]);
  if (framing === 'chunked' || framing === 'chunked-broken' || framing === 'length-and-chunked') lines.push(['Transfer-Encoding', 'chunked']);
  lines.push(['Connection', 'close']);
  for (const [name, value] of lines) head.push(withInvalidUtf8(Buffer.from(`${name}: ${value}\r\n`, 'utf8'), name.length));
  head.push(Buffer.from('\r\n'));
  if (framing === 'chunked' || framing === 'length-and-chunked') return Buffer.concat([...head, chunked(body)]);
  if (framing === 'chunked-broken') return Buffer.concat([...head, Buffer.from(`${(body.length + 5).toString(16)}zz\r\n`), body, Buffer.from('\r\n-1\r\n\r\n')]);
  if (framing === 'none') return Buffer.concat(head);
  return Buffer.concat([...head, body]);
}

function chunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += 4093) {
    const piece = body.subarray(at, at + 4093);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/** The answer after any interim (1xx) answers, e.g. `100 Continue`. */
function finalAnswer(raw: Buffer): RawAnswer {
  let rest = raw;
  while (/^HTTP\/1\.[01] 1\d\d /.test(rest.subarray(0, 16).toString('latin1'))) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    rest = rest.subarray(end + 4);
  }
  return parseAnswer(rest);
}

export interface Exchange {
  answer: RawAnswer;
  /** No answer came within the time limit (the socket was then destroyed). */
  timedOut: boolean;
}

/**
 * Sends the bytes on a new connection and collects the answer until the server closes it.
 * `halfClose` ends the client's side after sending (a body cut short by the client).
 */
export function exchange(port: number, bytes: Buffer, timeoutMs: number, halfClose = false): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (data) => received.push(data));
    // a server that answers before reading the whole body closes on a writer: what came is the answer
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer: finalAnswer(Buffer.concat(received)), timedOut });
    });
    socket.write(bytes);
    if (halfClose) socket.end();
  });
}

/** Sets or replaces a header. */
export function setHeader(req: WireRequest, name: string, value: string): void {
  req.headers = req.headers.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
  req.headers.push([name, value]);
}

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset=latin1', 'application/json; charset=utf-16',
  'application/json;', 'application/json; charset="utf-8"; x=y', 'application/jsonx', 'application/json-patch+json', 'text/json',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', 'text/html', 'application/xml', '*/*', '', ';;;',
  'application/json; charset', `application/${'x'.repeat(300)}`, `application/json; charset=${BAD_UTF8}`,
];

const BAD_AUTHORIZATION = [
  'Basic', 'Basic ', 'Basic =', 'Basic ====', 'Basic !!!', 'Basic YWRtaW4', 'Basic YWRtaW46', 'Basic Og==', 'Basic //8=', 'basic YTpi', 'BASIC YTpi',
  'Bearer abc', 'Digest username="admin"', 'Basic YTpi YTpi', 'Basic\tYTpi', 'Basic  YTpi', ` Basic ${Buffer.from('admin:x').toString('base64')}`,
  `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x61]).toString('base64')}`, `Basic ${Buffer.from('a\u0000b:c').toString('base64')}`,
  `Basic ${'A'.repeat(6000)}`, `Basic ${Buffer.from(`${'u'.repeat(3000)}:${'p'.repeat(3000)}`).toString('base64')}`, `Basic ${BAD_UTF8}`,
];

/** A broken Authorization header value. */
export function badAuthorization(rng: Random): string {
  return rng.pick(BAD_AUTHORIZATION);
}

/** Applies one or two transport mutations (content type, encodings, framing, headers, path bytes). */
export function mutateTransport(rng: Random, req: WireRequest): void {
  for (let i = rng.chance(0.25) ? 2 : 1; i > 0; i -= 1) {
    const mutation = rng.pick([
      'content-type', 'content-type', 'no-content-type', 'gzip', 'gzip-garbage', 'gzip-bomb', 'deflate', 'encoding-unknown', 'chunked', 'chunked-broken',
      'short', 'long', 'length-and-chunked', 'long-header', 'many-headers', 'header-bytes', 'path-bytes', 'query-bytes', 'http10', 'no-host',
      'expect-continue', 'duplicate-length', 'method-odd', 'absolute-target', 'bad-authorization', 'oversized',
    ]);
    req.mutations.push(mutation);
    switch (mutation) {
      case 'content-type':
        setHeader(req, 'Content-Type', rng.pick(CONTENT_TYPES));
        break;
      case 'no-content-type':
        req.headers = req.headers.filter(([n]) => n.toLowerCase() !== 'content-type');
        break;
      case 'gzip':
        req.body = gzipSync(req.body);
        setHeader(req, 'Content-Encoding', 'gzip');
        break;
      case 'gzip-garbage':
        req.body = rng.chance(0.5) ? rng.bytes(rng.between(1, 200)) : gzipSync(req.body).subarray(0, Math.max(1, req.body.length >> 1));
        setHeader(req, 'Content-Encoding', rng.pick(['gzip', 'deflate', 'br']));
        break;
      case 'gzip-bomb':
        // a few KiB that inflate past BODY_LIMIT
        req.body = gzipSync(Buffer.alloc(rng.pick([1_100_000, 8_000_000]), rng.pick(['[', ' ', 'a'])));
        setHeader(req, 'Content-Encoding', 'gzip');
        break;
      case 'deflate':
        req.body = deflateSync(req.body);
        setHeader(req, 'Content-Encoding', 'deflate');
        break;
      case 'encoding-unknown':
        setHeader(req, 'Content-Encoding', rng.pick(['compress', 'x-fuzz', 'gzip, gzip', 'identity', 'IDENTITY', '', BAD_UTF8]));
        break;
      case 'chunked':
      case 'chunked-broken':
      case 'short':
      case 'long':
      case 'length-and-chunked':
        req.framing = mutation;
        break;
      case 'long-header':
        setHeader(req, rng.pick(['X-Long', 'User-Agent', 'Accept', 'Cookie', 'X-Request-Id']), 'v'.repeat(rng.pick([100, 4000, 9000, 17000, 70000])));
        break;
      case 'many-headers':
        for (let h = rng.pick([50, 120, 2100]); h > 0; h -= 1) req.headers.push([`X-F${h}`, String(h)]);
        break;
      case 'header-bytes':
        req.headers.push([rng.pick(['X-Odd', 'Accept', 'Origin', 'X-Request-Id', 'OCS-APIRequest']), rng.pick([BAD_UTF8, 'a\u0000b', 'ä', `x${BAD_UTF8}`, '\u00ff'])]);
        break;
      case 'path-bytes':
        req.target = req.target.replace(/\/([^/?]*)(\?|$)/, (_m, last: string, end: string) => `/${last}${rng.pick([BAD_UTF8, '%00', '%ff', '%', '%C0%AF', 'ä', '%2F..', '\u0000'])}${end}`);
        break;
      case 'query-bytes':
        req.target += `${req.target.includes('?') ? '&' : '?'}${rng.pick([`a=${BAD_UTF8}`, 'a=%ff', '%=%', 'a[=1', 'a[b][c]=1', 'format=json&format[]=x', `x=${'%41'.repeat(3000)}`, '&&&==='])}`;
        break;
      case 'http10':
        req.httpVersion = '1.0';
        break;
      case 'no-host':
        req.headers = req.headers.filter(([n]) => n.toLowerCase() !== 'host');
        break;
      case 'expect-continue':
        setHeader(req, 'Expect', rng.pick(['100-continue', '200-ok']));
        break;
      case 'duplicate-length':
        req.headers.push(['Content-Length', String(req.body.length + rng.pick([0, 1]))]);
        break;
      case 'method-odd':
        req.method = rng.pick(['PATCH', 'HEAD', 'OPTIONS', 'PROPFIND', 'post', 'DELETE', 'PUT', 'GET', 'TRACE']);
        break;
      case 'absolute-target':
        req.target = `http://127.0.0.1${req.target}`;
        break;
      case 'bad-authorization':
        setHeader(req, 'Authorization', badAuthorization(rng));
        break;
      default: // oversized: past the 1 MiB BODY_LIMIT
        req.body = Buffer.concat([req.body, Buffer.alloc(1024 * 1024 + rng.int(2048), ' ')]);
    }
  }
}

export type FuzzSurface = 'jsonrpc' | 'rpc' | 'ocs' | 'nmcuser_oidc';

/** One generated request: where it goes, what it is (for the report), and its bytes' recipe. */
export interface FuzzRequest {
  surface: FuzzSurface;
  label: string;
  wire: WireRequest;
}
