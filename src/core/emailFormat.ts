/**
 * R-email, Kanboard's address rule: "" or ≤ 255 characters; one `@` split at the first `@`; local
 * part of ASCII letters, digits and .!#$%&'*+-/=?^_`{|}~; domain of ≥ 2 characters from letters,
 * digits, `-` and `.`, not starting with `.`, without `..`; the whole not starting with `@` nor
 * ending with `.`. Registered with ajv as the `email` format.
 */
const LOCAL = /^[A-Za-z0-9.!#$%&'*+\-/=?^_`{|}~]+$/;
const DOMAIN = /^[A-Za-z0-9.-]+$/;

export function isValidEmail(value: string): boolean {
  if (value === '') return true;
  if (value.length > 255) return false;
  const at = value.indexOf('@');
  if (at <= 0 || value.endsWith('.')) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  return (
    LOCAL.test(local) &&
    domain.length >= 2 &&
    !domain.startsWith('.') &&
    DOMAIN.test(domain) &&
    !domain.includes('..')
  );
}
