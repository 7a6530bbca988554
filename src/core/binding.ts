/**
 * Binding of a call's raw `params` (array, object or absent) to a procedure's named parameters.
 *
 * Kanboard mode applies Kanboard's rules exactly: count check against required/total, positional
 * for arrays and for objects keyed "0".."n-1", else by name with unknown keys ignored.
 * Strict mode maps arrays by position and hands objects to ajv unchanged (unknown keys are then
 * reported by `additionalProperties`).
 */
import { AppError } from './errors';

export interface ParamList {
  /** Parameter names in positional order. */
  names: readonly string[];
  /** How many leading parameters are required. */
  required: number;
}

function wrongArguments(message: string): AppError {
  return new AppError('WRONG_ARGUMENTS', { message });
}

function isPositionalObject(keys: string[]): boolean {
  return keys.every((key, index) => key === String(index));
}

function fromPositions(values: readonly unknown[], names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(values.map((value, index) => [names[index], value]));
}

/**
 * Kanboard's binding. Throws WRONG_ARGUMENTS with Kanboard's `data` string. `raw` is an array, an
 * object, or a Map when the adapter had to keep the source order of integer-like keys (JSON.parse
 * lists them in ascending order, but `{"1":…,"0":…}` is not positional).
 */
export function bindKanboard(raw: unknown, list: ParamList): Record<string, unknown> {
  if (raw === undefined || raw === null) raw = [];
  if (Array.isArray(raw)) {
    if (raw.length < list.required) throw wrongArguments('Wrong number of arguments');
    if (raw.length > list.names.length) throw wrongArguments('Too many arguments');
    return fromPositions(raw, list.names);
  }
  const entries = raw instanceof Map ? new Map(raw as Map<string, unknown>) : new Map(Object.entries(raw as Record<string, unknown>));
  const keys = [...entries.keys()];
  if (keys.length < list.required) throw wrongArguments('Wrong number of arguments');
  if (keys.length > list.names.length) throw wrongArguments('Too many arguments');
  if (isPositionalObject(keys)) return fromPositions([...entries.values()], list.names);
  const bound: [string, unknown][] = [];
  list.names.forEach((name, index) => {
    if (entries.has(name)) bound.push([name, entries.get(name)]);
    else if (index < list.required) throw wrongArguments(`Missing argument: ${name}`);
  });
  return Object.fromEntries(bound);
}

/** Strict binding: arrays by position (too many → ajv-shaped maxItems error), objects as they are. */
export function bindStrict(raw: unknown, list: ParamList): Record<string, unknown> {
  if (raw === undefined) return {};
  if (Array.isArray(raw)) {
    if (raw.length > list.names.length) {
      throw new AppError('INVALID_PARAMS', {
        errors: [{ instancePath: '', keyword: 'maxItems', message: `must NOT have more than ${list.names.length} items` }],
      });
    }
    return fromPositions(raw, list.names);
  }
  return { ...(raw as Record<string, unknown>) };
}
