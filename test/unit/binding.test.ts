/** Kanboard and strict parameter binding (contract §2.1). */
import { bindKanboard, bindStrict, type ParamList } from '../../src/core/binding';
import { AppError } from '../../src/core/errors';

const createUser: ParamList = { names: ['username', 'password', 'name', 'email', 'role'], required: 2 };
const none: ParamList = { names: [], required: 0 };

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a throw');
}

describe('bindKanboard', () => {
  test('absent, null, [] and {} mean no arguments', () => {
    for (const raw of [undefined, null, [], {}]) expect(bindKanboard(raw, none)).toEqual({});
  });

  test('an array binds by position; omitted trailing params stay absent (defaults come later)', () => {
    expect(bindKanboard(['bob', 'secret1'], createUser)).toEqual({ username: 'bob', password: 'secret1' });
    expect(bindKanboard(['bob', 'secret1', null, 'b@x.com'], createUser)).toEqual({ username: 'bob', password: 'secret1', name: null, email: 'b@x.com' });
  });

  test('an object keyed "0".."n-1" in order is positional', () => {
    expect(bindKanboard({ 0: 'bob', 1: 'secret1', 2: 'Bob' }, createUser)).toEqual({ username: 'bob', password: 'secret1', name: 'Bob' });
  });

  test('other objects bind by name; null values are kept; unknown keys are ignored', () => {
    expect(bindKanboard({ password: 'p', username: 'u', role: null, foo: 1 }, createUser)).toEqual({ username: 'u', password: 'p', role: null });
    expect(bindKanboard({ 0: 'a', 2: 'b' }, { names: ['x', 'y', 'z'], required: 0 })).toEqual({});
    expect(bindKanboard({ 0: 'a', y: 'b' }, { names: ['x', 'y'], required: 0 })).toEqual({ y: 'b' });
  });

  test('fewer than the required count → Wrong number of arguments', () => {
    const e = thrown(() => bindKanboard({ username: 'nopw' }, createUser));
    expect([e.code, e.details.message]).toEqual(['WRONG_ARGUMENTS', 'Wrong number of arguments']);
    expect(thrown(() => bindKanboard([], { names: ['user_id'], required: 1 })).details.message).toBe('Wrong number of arguments');
    expect(thrown(() => bindKanboard(null, { names: ['user_id'], required: 1 })).details.message).toBe('Wrong number of arguments');
  });

  test('more than the total count → Too many arguments (unknown keys count)', () => {
    expect(thrown(() => bindKanboard(['a', 'b', 'c', 'd', 'e', 'f'], createUser)).details.message).toBe('Too many arguments');
    expect(thrown(() => bindKanboard({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }, createUser)).details.message).toBe('Too many arguments');
    expect(thrown(() => bindKanboard([1], none)).details.message).toBe('Too many arguments');
  });

  test('a missing required name → Missing argument: <first missing in declaration order>', () => {
    const e = thrown(() => bindKanboard({ username: 'x1', foo: 'bar' }, createUser));
    expect([e.code, e.details.message]).toEqual(['WRONG_ARGUMENTS', 'Missing argument: password']);
    expect(thrown(() => bindKanboard({ a: 1, b: 2 }, createUser)).details.message).toBe('Missing argument: username');
  });
});

describe('bindStrict', () => {
  test('absent → {}; an object is copied unchanged (unknown keys left for ajv)', () => {
    expect(bindStrict(undefined, createUser)).toEqual({});
    const raw = { username: 'u', extra: 1 };
    const bound = bindStrict(raw, createUser);
    expect(bound).toEqual(raw);
    expect(bound).not.toBe(raw);
  });

  test('objects keyed "0","1" are named params', () => {
    expect(bindStrict({ 0: 'bob', 1: 'pw' }, createUser)).toEqual({ 0: 'bob', 1: 'pw' });
  });

  test('an array binds by position, no count check below the total', () => {
    expect(bindStrict(['bob'], createUser)).toEqual({ username: 'bob' });
    expect(bindStrict([], createUser)).toEqual({});
    expect(bindStrict(['a', 'b', null, 'd', 'e'], createUser)).toEqual({ username: 'a', password: 'b', name: null, email: 'd', role: 'e' });
  });

  test('more array elements than params → INVALID_PARAMS maxItems', () => {
    const e = thrown(() => bindStrict(['a', 'b', 'c', 'd', 'e', 'f'], createUser));
    expect(e.code).toBe('INVALID_PARAMS');
    expect(e.details.errors).toEqual([{ instancePath: '', keyword: 'maxItems', message: 'must NOT have more than 5 items' }]);
    expect(thrown(() => bindStrict([1], none)).details.errors).toEqual([{ instancePath: '', keyword: 'maxItems', message: 'must NOT have more than 0 items' }]);
  });
});
