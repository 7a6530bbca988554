/**
 * Hostile values and the JSON text writer of the fuzzer. Values can hold what JSON.stringify cannot
 * write: raw tokens (`1e400`, `-0`, 30-digit integers, nesting 100,000 deep) and objects with
 * repeated or prototype-polluting keys (`__proto__`, `constructor`) in a chosen order.
 * The marker BAD_UTF8 inside any string is replaced by invalid UTF-8 bytes once the request is bytes.
 */
import type { Random } from './random';

/** Emitted verbatim into the JSON text. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object as an ordered list of members; keys may repeat. */
export class Members {
  constructor(readonly entries: readonly (readonly [string, FuzzValue])[]) {}
}

export type FuzzValue = null | boolean | number | string | RawJson | Members | FuzzValue[] | { [key: string]: FuzzValue };

/** Replaced by invalid UTF-8 byte sequences at the byte level (see ./wire.ts). */
export const BAD_UTF8 = '~~BADUTF8~~';

/** Invalid UTF-8: overlong, surrogate halves, past U+10FFFF, truncated sequences, stray bytes. */
export const INVALID_UTF8_SEQUENCES: readonly number[][] = [
  [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80],
  [0xff], [0xfe], [0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc3], [0xf8, 0x88, 0x80, 0x80, 0x80],
];

/** Writes a value as JSON text. Nesting is limited by the call stack; deep values come as RawJson. */
export function writeJson(value: FuzzValue): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Members) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${writeJson(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(writeJson).join(',')}]`;
  if (value !== null && typeof value === 'object') return writeJson(new Members(Object.entries(value)));
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value);
}

/** The value as plain data (RawJson parsed where JSON can, Members as a last-key-wins object). */
export function plainOf(value: FuzzValue): unknown {
  if (value instanceof RawJson) {
    try {
      return JSON.parse(value.text);
    } catch {
      return undefined;
    }
  }
  if (value instanceof Members) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value.entries) Object.defineProperty(out, k, { value: plainOf(v), enumerable: true, configurable: true, writable: true });
    return out;
  }
  if (Array.isArray(value)) return value.map(plainOf);
  if (value !== null && typeof value === 'object') return plainOf(new Members(Object.entries(value)));
  return value;
}

const SQL = [
  "' OR '1'='1", "'; DROP TABLE users; --", '" OR ""="', "admin'--", "1; SELECT pg_sleep(0)--", "') UNION SELECT password FROM users --",
  "%' AND 1=0 UNION ALL SELECT NULL--", '%', '_', '%%', '\\', "\\'", '$1', "E'\\x00'", "'||(SELECT version())||'", '1 OR 1=1', "';COMMIT;--",
];
const MARKUP = [
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', ']]>', '<![CDATA[x]]>', '&amp;', '&#0;', '&lt;', '&',
  '</ocs>', '<meta><statuscode>100</statuscode></meta>', '<script>alert(1)</script>', '<html><body>x</body></html>', '<!DOCTYPE html>', '"><img src=x>',
  '<pre>', '{"a":1}', '\\u003c',
];
const UNICODE = [
  'ä', 'Zoë', '日本語', '🙂', '👨‍👩‍👧', '\u202eevil', '\ufeffbom', '\u0000', 'a\u0000b', '\u0001\u001f', '\ud800', '\udfff', 'x\ud83d', 'e\u0301',
  '\u212a', 'İ', 'ß', 'ﬀ', '\u200b', '\u2028\u2029', 'Ａｄｍｉｎ', '\u00a0', '\u3000', '\ufffd', '\uffff', BAD_UTF8, `a${BAD_UTF8}b`,
];
const SHAPES = [
  '', ' ', '  ', '\t', '\n', '\r\n', ' x ', '.', '..', '...', '-', '@', "'", '"', '`', '/', '//', '../../etc/passwd', '%2e%2e%2f', '%00', '%',
  '%zz', '%C0%AF', '+', '?', '#', '&', '=', ';', ',', '*', '{}', '[]', 'null', 'undefined', 'true', 'false', 'NaN', 'Infinity', '-Infinity',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', '%s%s%n', '{{7*7}}', '${7*7}',
  'javascript:alert(1)', 'file:///etc/passwd', 'http://', 'http://x', 'https://example.org/', 'a@b', 'a@b.c', 'a@@b.c', '"q"@x.y', 'x@y.z',
];
const NUMERIC_TEXT = [
  '0', '-0', '-1', '1', '01', '007', ' 1', '1 ', '+1', '1.0', '1.5', '1e3', '1e400', '0x10', '2147483647', '2147483648', '4294967296',
  '9007199254740993', '99999999999', '１', '٣', '1,000', '1_000', '',
];
const RAW_NUMBERS = [
  '1e400', '-1e400', '-0', '0.0', '1E2', '1e-400', '123456789012345678901234567890', '-9223372036854775809', '2147483648', '2147483647',
  '4294967296', '9007199254740993', '0.1', '1.5', '-1', '0', '1e21', '5e-324', '-2147483649',
];

export const HOSTILE_STRING_POOLS = { SQL, MARKUP, UNICODE, SHAPES, NUMERIC_TEXT } as const;

/** A long string: ASCII, multi-byte, mixed with markup, of a length around the interesting limits. */
export function longString(rng: Random, huge = false): string {
  const lengths = huge ? [65536, 65537, 70000, 200000, 400000] : [64, 65, 128, 191, 192, 255, 256, 1000, 4096];
  const n = rng.pick(lengths);
  const unit = rng.pick(['a', 'é', '日', '🙂', "'", '<', '%', ' ', 'A ']);
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

/** One hostile string. */
export function hostileString(rng: Random): string {
  const pool = rng.weighted<readonly string[] | 'long' | 'huge' | 'mix' | 'bytes'>([
    [4, SQL], [4, MARKUP], [5, UNICODE], [6, SHAPES], [3, NUMERIC_TEXT], [3, 'long'], [1, 'huge'], [3, 'mix'], [2, 'bytes'],
  ]);
  if (pool === 'long') return longString(rng);
  if (pool === 'huge') return longString(rng, true);
  if (pool === 'mix') return `${rng.pick(SHAPES)}${rng.pick(SQL)}${rng.pick(UNICODE)}${rng.pick(MARKUP)}`;
  if (pool === 'bytes') return Array.from({ length: rng.between(1, 24) }, () => String.fromCharCode(rng.int(0x250))).join('');
  return rng.pick(pool);
}

/** A raw JSON number token, many of them beyond what a double or an int4 holds. */
export function rawNumber(rng: Random): RawJson {
  return new RawJson(rng.pick(RAW_NUMBERS));
}

/** Nesting as raw text: arrays or objects `depth` levels deep. */
export function deepNesting(rng: Random, depth?: number): RawJson {
  const n = depth ?? rng.pick([64, 512, 1000, 10000, 100000]);
  if (rng.chance(0.5)) return new RawJson(`${'['.repeat(n)}${']'.repeat(n)}`);
  return new RawJson(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);
}

/** An object carrying prototype-polluting keys (as own members, in the JSON text). */
export function pollutingObject(rng: Random, inner: FuzzValue = { polluted: true }): Members {
  const keys = ['__proto__', 'constructor', 'prototype', '__defineSetter__', 'toString', 'hasOwnProperty'];
  const entries: [string, FuzzValue][] = [];
  for (let i = rng.between(1, 3); i > 0; i -= 1) entries.push([rng.pick(keys), rng.chance(0.5) ? inner : { prototype: inner }]);
  return new Members(entries);
}

/** A value of any JSON type, hostile in shape (sizes, nesting, keys, numbers). */
export function hostileValue(rng: Random, depth = 0): FuzzValue {
  const kind = rng.weighted<string>([
    [5, 'string'], [2, 'number'], [2, 'raw-number'], [1, 'bool'], [1, 'null'], [2, 'array'], [2, 'object'], [1, 'polluting'],
    [depth === 0 ? 1 : 0, 'deep'], [depth === 0 ? 0.3 : 0, 'big-array'],
  ]);
  switch (kind) {
    case 'string':
      return hostileString(rng);
    case 'number':
      return rng.pick([0, -1, 1, 1.5, -0.5, 2147483647, 2147483648, -2147483648, Number.MAX_SAFE_INTEGER, 1e21, 1e308, 5e-324]);
    case 'raw-number':
      return rawNumber(rng);
    case 'bool':
      return rng.chance(0.5);
    case 'null':
      return null;
    case 'array':
      return depth > 3 ? [] : Array.from({ length: rng.length(6) }, () => hostileValue(rng, depth + 1));
    case 'object':
      return depth > 3 ? {} : new Members(Array.from({ length: rng.length(5) }, () => [hostileString(rng), hostileValue(rng, depth + 1)] as const));
    case 'polluting':
      return pollutingObject(rng);
    case 'deep':
      return deepNesting(rng);
    default:
      return Array.from({ length: rng.pick([1000, 10000, 50000]) }, (_, i) => i);
  }
}

/** A value of another JSON type than `avoid` (a wrong type for a parameter). */
export function wrongType(rng: Random, avoid: readonly string[]): FuzzValue {
  const candidates: [string, () => FuzzValue][] = [
    ['string', () => hostileString(rng)],
    ['integer', () => rng.pick([0, -1, 7, 2147483648])],
    ['number', () => rng.pick([1.5, -0.25, 1e21])],
    ['boolean', () => rng.chance(0.5)],
    ['null', () => null],
    ['array', () => [hostileValue(rng, 2)]],
    ['object', () => ({ value: hostileValue(rng, 2) })],
  ];
  const allowed = candidates.filter(([type]) => !avoid.includes(type) && !(type === 'integer' && avoid.includes('number')));
  return rng.pick(allowed.length > 0 ? allowed : candidates)[1]();
}

/** Percent-encodes the UTF-8 bytes of a text (lone surrogates become U+FFFD, as on the wire). */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
