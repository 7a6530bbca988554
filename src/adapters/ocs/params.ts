/**
 * OCS request parameters (ocs-provisioning §3.2): query string, then body (form-encoded PHP style
 * or JSON, for every method), then path placeholders, later sources overriding earlier ones; then
 * each endpoint's names are read as strings, lists or counts, so procedures get exact types.
 */

import { parseFormParams, type RawParams, type RawValue } from '../http/formParams';

export { parseFormParams, type RawParams, type RawValue };

const OBJECT: RawValue = { object: true };

/** A JSON number as plain decimal text (`1e21` → `1000000000000000000000`, `1e-7` → `0.0000001`). */
export function decimalText(value: number): string {
  const text = String(value);
  if (!/e/i.test(text) || !Number.isFinite(value)) return text;
  if (Number.isInteger(value)) return BigInt(value).toString();
  // shortest digits of a small number (`1.5e-10`): move the decimal point left
  const [mantissa, exponent] = text.split('e');
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace(/^-/, '').replace('.', '');
  return `${sign}0.${'0'.repeat(-Number(exponent) - 1)}${digits}`;
}

/**
 * §3.2 item 5: JSON members as parameters; numbers become decimal text, true "1", false "", null
 * missing. An array inside an array is not a list item any endpoint reads: it counts as an object,
 * so a member nested 100,000 deep is not walked (that overflowed the stack: a 996 instead of the
 * endpoint's own answer).
 */
function fromJson(value: unknown, nested = false): RawValue {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return decimalText(value);
  if (typeof value === 'boolean') return value ? '1' : '';
  if (Array.isArray(value) && !nested) return value.map((item) => fromJson(item, true));
  return OBJECT;
}

export class MalformedJsonBody extends Error {}

/** A JSON body: an object's members become parameters; any other valid JSON adds none. */
export function parseJsonParams(text: string): RawParams {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MalformedJsonBody('The request body is not valid JSON');
  }
  const params: RawParams = new Map();
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    for (const [key, value] of Object.entries(parsed)) params.set(key, fromJson(value));
  }
  return params;
}

/** Which body types carry parameters (§3.2 item 2); `undefined` = the body is ignored. */
export function bodyKind(contentType: string | undefined): 'json' | 'form' | undefined {
  if (!contentType) return undefined;
  const type = contentType.toLowerCase();
  if (type.includes('json')) return 'json';
  if (type.split(';')[0].trim() === 'application/x-www-form-urlencoded') return 'form';
  return undefined;
}

/** Later sources override earlier ones (query → body → path). */
export function mergeParams(...sources: RawParams[]): RawParams {
  const merged: RawParams = new Map();
  for (const source of sources) for (const [key, value] of source) merged.set(key, value);
  return merged;
}

export type ParamKind = 'text' | 'list' | 'count';

/** A scalar: a string; lists and objects count as missing (""). */
export function textParam(value: RawValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** A list: a single string is a one-element list; non-string items and objects are dropped. */
export function listParam(value: RawValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

/** `limit`, `offset`: decimal digits only, else absent (null). Huge values are capped at 2³¹−1. */
export function countParam(value: RawValue | undefined): number | null {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return null;
  return Math.min(Number(value), 2147483647);
}

/** The named parameters of one endpoint, typed as its procedure expects. */
export function readParams(raw: RawParams, spec: Readonly<Record<string, ParamKind>>): Record<string, string | string[] | number | null> {
  const out: Record<string, string | string[] | number | null> = {};
  for (const [name, kind] of Object.entries(spec)) {
    const value = raw.get(name);
    out[name] = kind === 'list' ? listParam(value) : kind === 'count' ? countParam(value) : textParam(value);
  }
  return out;
}
