/**
 * A short-lived, per-process memory of successful password verifications, so that a client sending
 * `username:password` on every request pays for bcrypt once per TTL rather than on every request.
 *
 * Why this is safe with several instances and no messaging between them: an entry is keyed by an
 * HMAC (random key per process, never stored or logged) over the user id, the stored hash as read
 * from the database in the current request, and the presented password. bcrypt's verdict is a pure
 * function of (password, hash), so a hit answers exactly what bcrypt would: a password change writes
 * a new hash and every instance misses at once. Everything else that can refuse a login (unknown or
 * deleted user, disabled, locked, two-factor, LDAP) is decided on the freshly read row before the
 * cache is asked. Only successes are remembered; a failure always runs bcrypt (and counts toward the
 * lockout, as the caller decides). Neither passwords nor hashes are kept, only HMAC digests.
 *
 * Concurrent verifications of the same (user, hash, password) share one bcrypt run, so a burst of
 * requests after an entry expires costs one hash, not one per connection.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface VerificationCacheOptions {
  /** How long a success is remembered, in milliseconds; 0 disables the cache (every call verifies). */
  ttlMs: number;
  /** Most remembered successes; the oldest go first. */
  maxEntries?: number;
  /** Monotonic milliseconds (injectable for tests). */
  clock?: () => number;
  /** HMAC key (injectable for tests); by default 32 random bytes drawn once per cache. */
  key?: Buffer;
}

export interface VerificationCache {
  /**
   * Whether `plain` is the password of user `userId` whose stored hash is `hash`: a remembered
   * success answers at once; otherwise `check(plain, hash)` decides, and a `true` is remembered.
   */
  verify(userId: number, hash: string, plain: string, check: (plain: string, hash: string) => Promise<boolean>): Promise<boolean>;
  /** Whether `verify` would answer `true` at once from memory (no bcrypt run, none waited for). */
  remembers(userId: number, hash: string, plain: string): boolean;
  /** Remembered successes (expired ones may still count until they are swept). */
  readonly size: number;
  clear(): void;
}

export const DEFAULT_MAX_ENTRIES = 10_000;

export function createVerificationCache(options: VerificationCacheOptions): VerificationCache {
  const { ttlMs, maxEntries = DEFAULT_MAX_ENTRIES, clock = () => performance.now() } = options;
  const key = options.key ?? randomBytes(32);
  /** digest → expiry. Insertion order is expiry order (constant TTL, monotonic clock). */
  const expiries = new Map<string, number>();
  const inFlight = new Map<string, Promise<boolean>>();

  function digestOf(userId: number, hash: string, plain: string): string {
    const hmac = createHmac('sha256', key);
    // length-prefixed fields: no two different triples feed the HMAC the same bytes
    for (const field of [String(userId), hash, plain]) {
      const bytes = Buffer.from(field, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      hmac.update(length).update(bytes);
    }
    return hmac.digest('base64');
  }

  function sweep(now: number) {
    for (const [digest, expiry] of expiries) {
      if (expiry > now) break;
      expiries.delete(digest);
    }
  }

  function remember(digest: string) {
    const now = clock();
    sweep(now);
    expiries.delete(digest); // re-inserted at the end, keeping insertion order = expiry order
    expiries.set(digest, now + ttlMs);
    while (expiries.size > maxEntries) expiries.delete(expiries.keys().next().value as string);
  }

  return {
    async verify(userId, hash, plain, check) {
      if (ttlMs <= 0 || maxEntries <= 0) return check(plain, hash);
      const digest = digestOf(userId, hash, plain);
      const expiry = expiries.get(digest);
      if (expiry !== undefined) {
        if (expiry > clock()) return true;
        expiries.delete(digest);
      }
      const pending = inFlight.get(digest);
      if (pending) return pending;
      // check runs in a later microtask, so the entry is in inFlight before it can settle
      const verification = Promise.resolve()
        .then(() => check(plain, hash))
        .then((valid) => {
          if (valid) remember(digest);
          return valid;
        })
        .finally(() => inFlight.delete(digest));
      inFlight.set(digest, verification);
      return verification;
    },
    remembers(userId, hash, plain) {
      if (ttlMs <= 0 || maxEntries <= 0) return false;
      const expiry = expiries.get(digestOf(userId, hash, plain));
      return expiry !== undefined && expiry > clock();
    },
    get size() {
      return expiries.size;
    },
    clear() {
      expiries.clear();
    },
  };
}
