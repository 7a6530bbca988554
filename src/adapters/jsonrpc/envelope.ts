/**
 * Parsing a body into JSON-RPC elements and the shape rules of the contract (§1.2–§1.4), which
 * differ between Kanboard mode and strict mode.
 */
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import { INVALID_REQUEST, PARSE_ERROR, strictError, type Mode, type WireError } from './wire';

export interface CallElement {
  kind: 'call';
  method: string;
  /** undefined, an array or an object. */
  params: unknown;
  id: unknown;
  notification: boolean;
}

export interface InvalidElement {
  kind: 'invalid';
  error: WireError;
}

export type Element = CallElement | InvalidElement;

export type ParsedBody =
  | { kind: 'error'; error: WireError }
  | { kind: 'limit'; limit: number }
  | { kind: 'single'; element: Element }
  | { kind: 'batch'; elements: Element[] };

const strictInvalid = () => strictError(INVALID_REQUEST.code, INVALID_REQUEST.message, 'invalid_request');

export function invalidRequest(mode: Mode): WireError {
  return mode === 'strict' ? strictInvalid() : { ...INVALID_REQUEST };
}

export function parseError(mode: Mode): WireError {
  return mode === 'strict' ? strictError(PARSE_ERROR.code, PARSE_ERROR.message, 'parse_error') : { ...PARSE_ERROR };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function classify(value: unknown, mode: Mode): Element {
  if (!isPlainObject(value)) {
    // Kanboard answers a non-object batch element (or a scalar body) with a parse error.
    return { kind: 'invalid', error: mode === 'kanboard' ? parseError(mode) : invalidRequest(mode) };
  }
  const invalid: InvalidElement = { kind: 'invalid', error: invalidRequest(mode) };
  if (value.jsonrpc !== '2.0' || typeof value.method !== 'string') return invalid;
  let params = value.params;
  if (mode === 'kanboard' && params === null) params = undefined;
  if (params !== undefined && typeof params !== 'object') return invalid;
  if (params === null) return invalid;
  const hasId = Object.prototype.hasOwnProperty.call(value, 'id');
  const id = hasId ? value.id : undefined;
  if (mode === 'strict' && hasId && id !== null && typeof id !== 'string' && typeof id !== 'number') return invalid;
  const notification = mode === 'kanboard' ? id === undefined || id === null : !hasId;
  return { kind: 'call', method: value.method, params, id: id === undefined ? null : id, notification };
}

const INTEGER_KEY = /^(0|[1-9][0-9]*)$/;

function needsSourceKeyOrder(element: Element): boolean {
  if (element.kind !== 'call' || !element.params || Array.isArray(element.params)) return false;
  const keys = Object.keys(element.params);
  return keys.length > 1 && keys.every((k) => INTEGER_KEY.test(k));
}

/**
 * Kanboard binds `{"0":…,"1":…}` by position only when the keys come in that order in the body;
 * JSON.parse sorts integer-like keys, so their source order is read from a syntax tree and the
 * params are handed on as a Map in that order. Only bodies with such params pay for this.
 */
function keepSourceKeyOrder(text: string, elements: Element[], isBatch: boolean): void {
  if (!elements.some(needsSourceKeyOrder)) return;
  const tree = parseTree(text);
  if (!tree) return;
  elements.forEach((element, index) => {
    if (!needsSourceKeyOrder(element) || element.kind !== 'call') return;
    const paramsNode: Node | undefined = findNodeAtLocation(tree, isBatch ? [index, 'params'] : ['params']);
    const keys = [...new Set((paramsNode?.children ?? []).map((property) => String(property.children?.[0]?.value)))];
    const values = element.params as Record<string, unknown>;
    if (keys.length === Object.keys(values).length) element.params = new Map(keys.map((k) => [k, values[k]]));
  });
}

/**
 * The deepest nesting PHP's json_decode accepts by default: Kanboard answers a deeper body with a
 * parse error, and Roster does the same in both modes (an `id` nested thousands of levels deep would
 * otherwise be echoed into an answer too deep to serialise).
 */
export const MAX_JSON_DEPTH = 512;

/** Whether the JSON text nests arrays and objects deeper than `max` (strings skipped). */
export function nestsDeeperThan(text: string, max: number): boolean {
  // every level costs two characters: shorter texts cannot be too deep
  if (text.length <= 2 * max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return false;
}

export interface DecodedBody {
  /** The body as text (strict UTF-8, a leading byte order mark dropped). */
  text: string;
  /** Its JSON value. */
  value: unknown;
}

/**
 * Bodies already decoded: the router's request log and the endpoint ask for the same body in one
 * go. Weak, so a body is forgotten with its request.
 */
const decodedBodies = new WeakMap<Buffer, DecodedBody | null>();

/**
 * The body's text and JSON value, or null when it is empty, not UTF-8, nested too deep or not JSON.
 * The same body asked for again right after is not decoded twice (the request log reads the method
 * names from the value the endpoint then classifies; neither changes it).
 */
export function decodeBody(body: Buffer | undefined): DecodedBody | null {
  if (!body || body.length === 0) return null;
  const known = decodedBodies.get(body);
  if (known !== undefined) return known;
  let decoded: DecodedBody | null;
  try {
    const text = utf8.decode(body);
    decoded = text.trim() === '' || nestsDeeperThan(text, MAX_JSON_DEPTH) ? null : { text, value: JSON.parse(text) };
  } catch {
    decoded = null;
  }
  decodedBodies.set(body, decoded);
  return decoded;
}

/** Decodes (strict UTF-8), parses and classifies a request body. */
export function parseBody(body: Buffer | undefined, mode: Mode, batchLimit: number): ParsedBody {
  const decoded = decodeBody(body);
  if (!decoded) return { kind: 'error', error: parseError(mode) };
  const { text, value } = decoded;
  if (Array.isArray(value)) {
    if (value.length === 0) return { kind: 'error', error: invalidRequest(mode) };
    if (value.length > batchLimit) return { kind: 'limit', limit: batchLimit };
    const elements = value.map((v) => classify(v, mode));
    if (mode === 'kanboard') keepSourceKeyOrder(text, elements, true);
    return { kind: 'batch', elements };
  }
  const element = classify(value, mode);
  if (mode === 'kanboard') keepSourceKeyOrder(text, [element], false);
  return { kind: 'single', element };
}
