/** Random secrets and digests. */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters of [A-Za-z0-9] from a CSPRNG, without modulo bias (rejection sampling). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62]; // 248 = 4 × 62: bytes ≥ 248 would bias the first letters
      if (out.length === length) break;
    }
  }
  return out;
}

/** SHA-256 of the UTF-8 bytes, in hex (the one-shot hash: a request pays for it). */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** App passwords minted by Roster: 72 characters of [A-Za-z0-9]. */
export const APP_PASSWORD_LENGTH = 72;

/** The SecretService handed to procedures. */
export const secretService = {
  newAppPassword() {
    const token = randomBase62(APP_PASSWORD_LENGTH);
    return { token, sha256: sha256Hex(token) };
  },
};
