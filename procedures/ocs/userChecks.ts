/** Value rules of OCS user creation and edits (ocs-provisioning §6.3, §6.6). */
import { isValidEmail } from '../../src/core/emailFormat';
import { isHttpUrl } from '../../src/core/httpUrl';
import { characterCount, hasNul } from '../../src/core/text';

export { characterCount, hasNul };

/** §6.3 check 8: the characters a new username may contain. */
const USERNAME_CHARACTERS = /^[a-zA-Z0-9 _.@\-']*$/;
/** §6.3 check 17, §6.6. */
const LANGUAGE = /^[a-z]{2,3}(_[A-Z]{2})?$/;
/** Longest password in bytes (§6.3 check 6). */
export const MAX_PASSWORD_BYTES = 469;
/** The shared password rule of the JSON-RPC contract: at least 6 characters. */
export const MIN_PASSWORD_CHARACTERS = 6;


/** Over 469 bytes, or holding a NUL (bcrypt would ignore everything after it). */
export function passwordTooLong(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES || hasNul(password);
}


export function passwordTooShort(password: string): boolean {
  return characterCount(password) < MIN_PASSWORD_CHARACTERS;
}

/** Whether a password can be hashed for storage (its checks pass), so hashing is not wasted. */
export function passwordStorable(password: string): boolean {
  return password !== '' && !passwordTooLong(password) && !passwordTooShort(password);
}

/** The first failing username rule of §6.3 checks 8–12, or null. */
export function usernameProblem(userid: string): 'username_characters' | 'username_empty' | 'username_whitespace' | 'username_dots' | 'username_too_long' | null {
  if (!USERNAME_CHARACTERS.test(userid)) return 'username_characters';
  if (userid === '') return 'username_empty';
  if (userid.trim() !== userid) return 'username_whitespace';
  if (userid === '.' || userid === '..') return 'username_dots';
  if (Buffer.byteLength(userid, 'utf8') > 64) return 'username_too_long';
  return null;
}

export function validLanguage(value: string): boolean {
  return LANGUAGE.test(value);
}

/** R-email of the JSON-RPC contract: at most 255 characters and a Kanboard-compatible address. */
export function validEmail(value: string): boolean {
  return characterCount(value) <= 255 && isValidEmail(value);
}

/** `website` (§6.6): empty, or an absolute http/https URL of at most 255 characters. */
export function validWebsite(value: string): boolean {
  if (value === '') return true;
  return characterCount(value) <= 255 && !hasNul(value) && isHttpUrl(value);
}

/** `phone`, `address`, `twitter` (§6.6): at most 255 characters after trimming. */
export function validProfileText(value: string): boolean {
  return characterCount(value.trim()) <= 255 && !hasNul(value);
}
