/** R-email (contract §7, shared value rules). */
import { isValidEmail } from '../../src/core/emailFormat';

test.each([
  '',
  'u@localhost',
  'user@example.com',
  'a@bc',
  "a.b!#$%&'*+-/=?^_`{|}~@x-y.example",
  'UPPER@EXAMPLE.COM',
  '1@2.3',
  'a@b-.c',
  'a@bc.com',
  `${'a'.repeat(243)}@example.com`,
])('valid: %j', (value) => {
  expect(isValidEmail(value)).toBe(true);
});

test.each([
  ['not-an-email', 'no @'],
  ['@x.com', 'starts with @'],
  ['a@b.', 'ends with .'],
  ['a@.b', 'domain starts with .'],
  ['a@b..c', 'two dots in a row'],
  ['a@b', 'domain of one character'],
  ['a@', 'empty domain'],
  ['a@b@c.com', 'second @ in the domain'],
  ['a b@example.com', 'space in the local part'],
  ['a(b)@example.com', 'parenthesis in the local part'],
  ['"a"@example.com', 'quote in the local part'],
  ['é@example.com', 'non-ASCII local part'],
  ['a@exämple.com', 'non-ASCII domain'],
  ['a@exa_mple.com', 'underscore in the domain'],
  ['a@example.com ', 'trailing space'],
  [' a@example.com', 'leading space'],
  [`${'a'.repeat(244)}@example.com`, '256 characters'],
])('invalid: %j (%s)', (value) => {
  expect(isValidEmail(value)).toBe(false);
});

test('255 is the length limit', () => {
  const at255 = `${'a'.repeat(243)}@example.com`;
  expect(at255).toHaveLength(255);
  expect(isValidEmail(at255)).toBe(true);
  expect(isValidEmail(`a${at255}`)).toBe(false);
});

test('dots in the local part are allowed, even leading or doubled', () => {
  expect(isValidEmail('.a@example.com')).toBe(true);
  expect(isValidEmail('a..b@example.com')).toBe(true);
});
