/** Value conversions before ajv (contract §2.2, R-username trimming). */
import type { JSONSchema } from 'json-schema-to-ts';
import { coerceParams, trimKanboard } from '../../src/core/coercion';
import { id, username, limit } from '../../schemas/common';

const properties: Record<string, JSONSchema> = {
  user_id: id,
  ids: { type: 'array', items: id },
  username,
  name: { type: ['string', 'null'] },
  password: { type: 'string' },
  is_active: { type: ['boolean', 'null'] },
  flag: { type: 'boolean' },
  priority: { type: 'integer' },
  limit,
};

describe('trimKanboard', () => {
  test('trims space, tab, CR, LF, NUL and VT at both ends only', () => {
    expect(trimKanboard(' \t\r\n\u0000\u000bbob \t\r\n\u0000\u000b')).toBe('bob');
    expect(trimKanboard('a b\tc')).toBe('a b\tc');
    expect(trimKanboard(' \t\n ')).toBe('');
  });

  test('keeps other whitespace (form feed, NBSP, ideographic space)', () => {
    expect(trimKanboard('\fbob\u00a0')).toBe('\fbob\u00a0');
    expect(trimKanboard('\u3000bob')).toBe('\u3000bob');
  });
});

describe.each(['kanboard', 'strict'] as const)('both modes (%s)', (mode) => {
  test('ids: a digit string of 1–10 digits becomes a number; anything else is left as is', () => {
    expect(coerceParams({ user_id: '42' }, properties, mode)).toEqual({ user_id: 42 });
    expect(coerceParams({ user_id: '0' }, properties, mode)).toEqual({ user_id: 0 });
    expect(coerceParams({ user_id: '2147483648' }, properties, mode)).toEqual({ user_id: 2147483648 });
    expect(coerceParams({ user_id: '99999999999' }, properties, mode)).toEqual({ user_id: '99999999999' });
    for (const value of ['abc', '', ' 1', '1.0', '-1', '+1', 2.5, true, null, {}]) {
      expect(coerceParams({ user_id: value }, properties, mode)).toEqual({ user_id: value });
    }
  });

  test('id arrays are converted element by element', () => {
    expect(coerceParams({ ids: ['1', 2, 'x'] }, properties, mode)).toEqual({ ids: [1, 2, 'x'] });
  });

  test('x-trim strings are trimmed; other strings are not', () => {
    expect(coerceParams({ username: ' bob\n', password: ' pw ', name: ' n ' }, properties, mode)).toEqual({ username: 'bob', password: ' pw ', name: ' n ' });
  });

  test('unknown keys pass through untouched, including __proto__', () => {
    const raw = JSON.parse('{"__proto__":{"x":1},"other":"1"}');
    const out = coerceParams(raw, properties, mode);
    expect(Object.keys(out)).toEqual(['__proto__', 'other']);
    expect(out.other).toBe('1');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  test('does not modify its input', () => {
    const raw = { user_id: '7', username: ' u ' };
    coerceParams(raw, properties, mode);
    expect(raw).toEqual({ user_id: '7', username: ' u ' });
  });
});

describe('kanboard mode only', () => {
  test('a JSON number for a string becomes its decimal text', () => {
    expect(coerceParams({ password: 123456, name: 1.5, username: 7 }, properties, 'kanboard')).toEqual({ password: '123456', name: '1.5', username: '7' });
  });

  test('booleans accept 1, 0, "1", "0", "true", "false"', () => {
    const out = (v: unknown) => coerceParams({ flag: v, is_active: v }, properties, 'kanboard');
    for (const v of [1, '1', 'true', true]) expect(out(v)).toEqual({ flag: true, is_active: true });
    for (const v of [0, '0', 'false', false]) expect(out(v)).toEqual({ flag: false, is_active: false });
    for (const v of ['yes', 2, 'TRUE', null]) expect(out(v)).toEqual({ flag: v, is_active: v });
  });

  test('integers accept a string of digits with an optional minus', () => {
    expect(coerceParams({ priority: '-3', limit: '25' }, properties, 'kanboard')).toEqual({ priority: -3, limit: 25 });
    expect(coerceParams({ priority: '1.5', limit: 'abc' }, properties, 'kanboard')).toEqual({ priority: '1.5', limit: 'abc' });
  });
});

describe('strict mode', () => {
  test('no number→string, boolean or integer conversions', () => {
    const raw = { password: 123456, flag: 1, is_active: 'true', priority: '3', limit: '25' };
    expect(coerceParams(raw, properties, 'strict')).toEqual(raw);
  });
});
