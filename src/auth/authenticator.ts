/**
 * The shared authentication of every surface: the application token (`jsonrpc`), and users by
 * password, personal access token or app password, with the lockout of the JSON-RPC contract §4.4.
 *
 * LDAP users (`is_ldap_user`) log in with their directory password, checked by a bind to the
 * directory on every request (this replaces §4.3's "no LDAP password login"); a local password hash
 * is never accepted for them. A refused bind counts toward the lockout like a wrong password. When
 * LDAP is not configured, the `ldap` component is disabled or the directory cannot be reached, the
 * login fails like a wrong password but is not counted (an outage must not lock accounts); the
 * directory logs the outage once. Tokens and app passwords work for LDAP users as for any user.
 *
 * Successful bcrypt verifications are remembered for a short time (./verificationCache.ts), keyed by
 * the stored hash read in this very request; every other refusal (unknown, disabled, locked,
 * two-factor) is decided on that fresh row first, so the memory never admits anyone bcrypt would
 * not. LDAP passwords are never remembered: the directory checks them on every request.
 *
 * Lockout under concurrency (several requests, several instances): the lock is decided on the row as
 * the database holds it when the counter is written, never only as this request read it. A failure
 * is counted only while the account is unlocked, and a success that needed a bcrypt run or a bind
 * stands only if the account is still unlocked once it is checked; so N guesses in flight together
 * count threshold + 1 failures at most and none of them gets in after the lock.
 */
import type { Knex } from 'knex';
import type { AuthenticateOptions, Authenticator, Credentials } from '../core/authentication';
import { APP_TOKEN_USERNAME } from '../core/authentication';
import type { CredentialKind, LdapService, PasswordService, Principal } from '../core/procedure';
import { findCredentialUser, recordFailedLogin, recordSuccessfulLogin } from '../db/repositories/credentials';
import { getSetting } from '../db/repositories/settings';
import { freshValue } from '../core/freshness';
import { digestsEqual, sha256Hex } from './secrets';
import type { VerificationCache } from './verificationCache';

export const API_TOKEN_SETTING = 'api_token_sha256';

export interface AuthenticatorOptions {
  db: Knex;
  passwords: PasswordService;
  /** The LDAP directory that checks LDAP users' passwords. */
  ldap: LdapService;
  /**
   * SHA-256 of API_TOKEN when it is configured; otherwise the stored digest is used, read at most
   * once per FRESH_FOR_MS (src/core/freshness.ts; `roster token rotate-api` outlasts that memory).
   */
  apiTokenSha256: string | null;
  lockoutThreshold: number;
  lockoutMinutes: number;
  now(): number;
  /** Remembers recent successful password verifications; without it every login runs bcrypt. */
  verifications?: VerificationCache;
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { db, passwords, verifications } = options;
  const verifyPassword = (userId: number, secret: string, hash: string): Promise<boolean> =>
    verifications ? verifications.verify(userId, hash, secret, (plain, stored) => passwords.verify(plain, stored)) : passwords.verify(secret, hash);

  const storedDigest = options.apiTokenSha256 === null ? freshValue(() => getSetting(db, API_TOKEN_SETTING)) : null;

  async function appToken(secret: string): Promise<Principal | null> {
    const expected = options.apiTokenSha256 ?? (await storedDigest!.get());
    return expected && digestsEqual(sha256Hex(secret), expected) ? { kind: 'app' } : null;
  }

  async function user({ username, secret }: Credentials, requestId: string | undefined): Promise<Principal | null> {
    const digest = sha256Hex(secret);
    const found = await findCredentialUser(db, username, digest);
    if (!found) return null;
    const now = options.now();
    if (found.lockExpirationDate >= now || !found.isActive) return null;

    let via: CredentialKind | null = null;
    /** The secret took a bcrypt run or a directory bind: failures elsewhere may have locked the row since it was read. */
    let slow = false;
    if (found.tokenMatches) via = 'personal_token';
    else if (found.appPasswordMatches) via = 'app_password';
    else if (found.isLdapUser) {
      slow = !found.twofactorActivated;
      const check = found.twofactorActivated ? 'invalid' : await options.ldap.verifyPassword(found.username, secret, { requestId });
      if (check === 'valid') via = 'ldap_password';
      else if (check !== 'invalid') return null; // not configured, disabled or unreachable: not the user's fault
    } else if (found.passwordHash && !found.twofactorActivated) {
      if (verifications?.remembers(found.id, found.passwordHash, secret)) via = 'password';
      else {
        slow = true;
        if (await verifyPassword(found.id, secret, found.passwordHash)) via = 'password';
      }
    }

    if (!via) {
      await recordFailedLogin(db, found.id, now, options.lockoutThreshold, options.lockoutMinutes * 60);
      return null;
    }
    // After a slow check the success stands only if the account is still unlocked, decided by the
    // conditional reset on the current row: a burst of guesses in flight together cannot get past the
    // lock their own failures set, and a lock set meanwhile is not cleared by a login that began before it.
    if (slow || found.nbFailedLogin !== 0 || found.lockExpirationDate !== 0 || found.lastLogin <= now - 60) {
      if (!(await recordSuccessfulLogin(db, found.id, now))) return null;
    }
    return { kind: 'user', user: { id: found.id, username: found.username, role: found.role }, via };
  }

  return {
    async authenticate(credentials: Credentials | null, { allowAppToken, requestId }: AuthenticateOptions) {
      if (!credentials) return null;
      if (credentials.username === APP_TOKEN_USERNAME) {
        return allowAppToken && credentials.secret !== '' ? appToken(credentials.secret) : null;
      }
      return user(credentials, requestId);
    },
  };
}
