/**
 * Value conversions applied before ajv validates a call's params. They are derived from each
 * parameter's schema, so no second list of parameter types exists:
 *
 * - ids (`type: ["integer","string"]`): a string of 1–10 digits becomes a number at both
 *   endpoints, so ajv range-checks it with `minimum` / `maximum`;
 * - `x-trim`: Kanboard's username trimming (space, tab, CR, LF, NUL, vertical tab);
 * - Kanboard mode only: a JSON number for a string param becomes its decimal text; `1`, `0`,
 *   `"1"`, `"0"`, `"true"`, `"false"` for a boolean become booleans; a digit string for an integer
 *   becomes a number.
 */
import type { JSONSchema } from 'json-schema-to-ts';

export type BindingMode = 'kanboard' | 'strict';

type SchemaObject = Exclude<JSONSchema, boolean>;

const TRIM_CHARS = /^[ \t\n\r\0\x0B]+|[ \t\n\r\0\x0B]+$/g;

export function trimKanboard(value: string): string {
  return value.replace(TRIM_CHARS, '');
}

function typesOf(schema: SchemaObject): readonly string[] {
  const t = schema.type;
  if (t === undefined) return [];
  return typeof t === 'string' ? [t] : (t as readonly string[]);
}

function coerceValue(value: unknown, schema: SchemaObject, mode: BindingMode): unknown {
  const types = typesOf(schema);
  if (types.includes('array') && Array.isArray(value) && schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) {
    const items = schema.items as SchemaObject;
    return value.map((v) => coerceValue(v, items, mode));
  }
  const isId = types.includes('integer') && types.includes('string');
  if (isId) {
    return typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : value;
  }
  if (typeof value === 'string' && (schema as Record<string, unknown>)['x-trim'] === true) {
    value = trimKanboard(value);
  }
  if (mode !== 'kanboard') return value;
  if (types.includes('string') && typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  if (types.includes('boolean')) {
    if (value === 1 || value === '1' || value === 'true') return true;
    if (value === 0 || value === '0' || value === 'false') return false;
  }
  if (types.includes('integer') && typeof value === 'string' && /^-?[0-9]{1,10}$/.test(value)) {
    return Number(value);
  }
  return value;
}

/** Returns a new params object with the conversions of the module comment applied. */
export function coerceParams(
  params: Record<string, unknown>,
  properties: Record<string, JSONSchema>,
  mode: BindingMode,
): Record<string, unknown> {
  // Object.fromEntries defines own properties, so a `__proto__` key stays a plain key.
  return Object.fromEntries(
    Object.entries(params).map(([key, value]) => {
      const schema = Object.prototype.hasOwnProperty.call(properties, key) ? properties[key] : undefined;
      return [key, schema && typeof schema === 'object' ? coerceValue(value, schema, mode) : value];
    }),
  );
}
