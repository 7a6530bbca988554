/** Validating import rows (the createUser/createGroup rules, CSV conversions, file-level duplicates), without a database. */
import { formatRowError, type RowError } from '../../src/import/importRow';
import { RowCollector, validateRecord } from '../../src/import/validateRow';

const HASH_2B = '$2b$10$cylfP80rjr0LqWpnZd2Ls.6nfNvuYrRipQBy0f5GTUtd3sRWj7DLu';
const HASH_2Y = HASH_2B.replace('$2b$', '$2y$');

const csv = (cells: Record<string, string>, line = 2) => validateRecord({ kind: 'csv', line, cells });
const jsonl = (value: Record<string, unknown>, line = 1) => validateRecord({ kind: 'jsonl', line, value });
const errorsOf = (result: ReturnType<typeof validateRecord>) => ('errors' in result ? result.errors.map(formatRowError) : []);

describe('CSV cells', () => {
  test('every field converted: empty cells are absent, groups split on ";" and trimmed, enabled words, quota to its stored form, username trimmed', () => {
    expect(
      csv({ username: '  alice\t', name: 'Alice', email: 'alice@example.com', role: 'app-manager', password: 'secret1', groups: ' team ; ops;;team;', quota: '1.5 GB', enabled: 'No' }),
    ).toEqual({
      row: { line: 2, username: 'alice', name: 'Alice', email: 'alice@example.com', role: 'app-manager', password: 'secret1', groups: ['team', 'ops'], quota: '1610612736', enabled: false },
    });
    expect(csv({ username: 'bob', name: '', email: '', role: '', password: '', groups: '', quota: '', enabled: '' })).toEqual({ row: { line: 2, username: 'bob' } });
    for (const [word, value] of [['TRUE', true], ['1', true], ['yes', true], ['false', false], ['0', false], ['no', false]] as const) {
      expect(csv({ username: 'x', enabled: word })).toEqual({ row: { line: 2, username: 'x', enabled: value } });
    }
    expect(csv({ username: 'x', quota: 'NONE' })).toEqual({ row: { line: 2, username: 'x', quota: 'none' } });
    expect(csv({ username: 'x', quota: '0' })).toEqual({ row: { line: 2, username: 'x', quota: '0' } });
  });

  test('every problem of a row is reported, in field order, with the line', () => {
    const result = csv(
      { username: ' ', name: 'x'.repeat(256), email: 'not-an-email', role: 'boss', password: 'abc', password_hash: HASH_2B, quota: '10XB', enabled: 'maybe' },
      7,
    );
    expect(errorsOf(result)).toEqual([
      'line 7: username: must not be empty',
      'line 7: name: must NOT have more than 255 characters',
      'line 7: email: is not a valid email address',
      'line 7: role: must be one of app-admin, app-manager, app-user',
      'line 7: password: must NOT have fewer than 6 characters',
      'line 7: password_hash: give either password or password_hash, not both',
      'line 7: quota: invalid quota "10XB" (none, default, bytes, or a number with B, KB, MB, GB, TB or PB)',
      'line 7: enabled: must be true, false, 1, 0, yes or no',
    ]);
  });

  test('a missing username cell', () => {
    expect(errorsOf(csv({ username: '', name: 'Nobody' }))).toEqual(['line 2: username: is required']);
  });
});

describe('JSON Lines values', () => {
  test('null name, email and password_hash are values; absent keys are absent; $2a$/$2b$/$2y$ hashes are kept as they are', () => {
    expect(jsonl({ username: 'a', name: null, email: null, password_hash: null, groups: ['admin', 'x', 'admin'], quota: 1024, enabled: true })).toEqual({
      row: { line: 1, username: 'a', name: null, email: null, passwordHash: null, groups: ['admin', 'x'], quota: '1024', enabled: true },
    });
    expect(jsonl({ username: 'a', password_hash: HASH_2Y })).toEqual({ row: { line: 1, username: 'a', passwordHash: HASH_2Y } });
    expect(jsonl({ username: 'a', password_hash: HASH_2B.replace('$2b$', '$2a$') })).toEqual({ row: { line: 1, username: 'a', passwordHash: HASH_2B.replace('$2b$', '$2a$') } });
  });

  test('types, unknown keys, hash shape, group names, NUL characters', () => {
    expect(errorsOf(jsonl({ username: 5, enabled: 'yes', groups: 'team', quota: -1, emial: 'x@example.com' }, 3))).toEqual([
      'line 3: username: must be string',
      'line 3: groups: must be array',
      'line 3: quota: invalid quota -1 (none, default, bytes, or a number with B, KB, MB, GB, TB or PB)',
      'line 3: enabled: must be boolean',
      'line 3: emial: unknown field (fields: username, name, email, role, password, password_hash, groups, quota, enabled)',
    ]);
    expect(errorsOf(jsonl({ username: 'a', password_hash: '$2x$10$abc', groups: ['ok', ' ', ''], role: null }))).toEqual([
      'line 1: role: must be one of app-admin, app-manager, app-user',
      'line 1: password_hash: must be a bcrypt hash ($2a$, $2b$ or $2y$, cost 04–31, 60 characters)',
      'line 1: groups[1]: a group name must not be empty or only whitespace',
      'line 1: groups[2]: a group name must not be empty or only whitespace',
    ]);
    expect(errorsOf(jsonl({ username: 'a\u0000b', name: 'x\u0000', groups: ['g\u0000'] }))).toEqual([
      'line 1: username: must not contain NUL characters',
      'line 1: name: must not contain NUL characters',
      'line 1: groups: must not contain NUL characters',
    ]);
  });

  test('membership of admin is the app-admin role: a row may not list admin with another role', () => {
    expect(errorsOf(jsonl({ username: 'a', role: 'app-user', groups: ['admin'] }))).toEqual(['line 1: groups: membership of "admin" is the app-admin role, but role is app-user']);
    expect('row' in jsonl({ username: 'a', role: 'app-admin', groups: ['admin'] })).toBe(true);
    expect('row' in jsonl({ username: 'a', groups: ['admin'] })).toBe(true);
  });
});

test('RowCollector: a username repeated in the file is an error on each later line; syntax faults count as invalid rows', () => {
  const reported: RowError[] = [];
  const collector = new RowCollector((e) => reported.push(e));
  collector.add({ kind: 'jsonl', line: 1, value: { username: 'alice' } });
  collector.add({ kind: 'jsonl', line: 2, value: { username: ' alice ' } });
  collector.add({ kind: 'jsonl', line: 3, value: { username: 'Alice' } });
  collector.add({ kind: 'error', line: 4, message: 'malformed JSON: x', fatal: false });
  collector.add({ kind: 'jsonl', line: 5, value: { username: 'bob', role: 'x', email: 'y' } });
  collector.add({ kind: 'jsonl', line: 6, value: { username: 'alice' } });
  expect(reported.map(formatRowError)).toEqual([
    'line 2: username: "alice" is already on line 1',
    'line 4: malformed JSON: x',
    'line 5: email: is not a valid email address',
    'line 5: role: must be one of app-admin, app-manager, app-user',
    'line 6: username: "alice" is already on line 1',
  ]);
  expect(collector.invalidRows).toBe(4);
  expect(collector.truncated).toBe(false);
  // usernames are case-sensitive, as the unique index and createUser are
  expect(collector.rows.map((r) => r.username)).toEqual(['alice', 'Alice']);
});
