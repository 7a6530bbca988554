/**
 * Request fields of the nmcuser_oidc API (nmcuser-oidc §3): query string, then body (JSON object
 * or form), the body winning; then each field's type rule. A wrong type is a 400 before anything
 * else is looked at; the values themselves are checked by the procedures.
 */
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { parseFormParams, type RawValue } from '../http/formParams';

/** A field value as it arrived: JSON values, or strings/lists from a form or the query. */
export type FieldValue = unknown;
export type Fields = Map<string, FieldValue>;

export class FieldError extends Error {
  constructor(readonly field: string | null) {
    super(field === null ? 'Invalid JSON body' : `Invalid value for ${field}`);
  }
}

function fromForm(params: Map<string, RawValue>): Fields {
  return new Map(params);
}

/** Reads the body of POST and PUT: JSON (must be an object) or form-encoded; other types are ignored. */
export function bodyFields(contentType: string | undefined, body: Buffer | undefined): Fields {
  // an empty body is an empty update (§6.4), whatever its content type
  if (!body || body.length === 0 || !contentType) return new Map();
  const type = contentType.toLowerCase();
  const text = body.toString('utf8');
  if (type.includes('json')) {
    // The contract's own examples carry `// comments` (and trailing commas), so they are accepted;
    // anything else that is not JSON is refused.
    const errors: ParseError[] = [];
    let parsed: unknown;
    try {
      parsed = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
    } catch {
      // the parser recurses: nesting deeper than the stack (a 1 MB body of `[`) is no flat object either
      throw new FieldError(null);
    }
    if (errors.length > 0) throw new FieldError(null);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new FieldError(null);
    return new Map(Object.entries(parsed));
  }
  if (type.split(';')[0].trim() === 'application/x-www-form-urlencoded') return fromForm(parseFormParams(text));
  return new Map();
}

export function queryFields(url: string): Fields {
  const start = url.indexOf('?');
  return start < 0 ? new Map() : fromForm(parseFormParams(url.slice(start + 1)));
}

/** A string field: a string, or absent when not given or null. */
export function stringField(fields: Fields, name: string): string | undefined {
  const value = fields.get(name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new FieldError(name);
  return value;
}

const TRUE = new Set(['true', '1']);
const FALSE = new Set(['false', '0']);

/** A boolean field: true/false, 1/0, or those words in any case. */
export function booleanField(fields: Fields, name: string): boolean | undefined {
  const value = fields.get(name);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const word = value.toLowerCase();
    if (TRUE.has(word)) return true;
    if (FALSE.has(word)) return false;
  }
  throw new FieldError(name);
}

/** `quota`: a string, or a non-negative integer of bytes (as its decimal text). */
export function quotaField(fields: Fields, name: string): string | undefined {
  const value = fields.get(name);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new FieldError(name);
    return String(value);
  }
  return stringField(fields, name);
}

/** `limit`, `offset`: decimal digits only, else absent. */
export function countField(fields: Fields, name: string): number | null {
  const value = fields.get(name);
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return null;
  return Math.min(Number(value), 2147483647);
}
