/**
 * The shared authentication of every surface: the application token (`jsonrpc`), and users by
 * password, personal access token or app password, with the lockout of the JSON-RPC contract §4.4.
 */
import type { Knex } from 'knex';
import type { AuthenticateOptions, Authenticator, Credentials } from '../core/authentication';
import { APP_TOKEN_USERNAME } from '../core/authentication';
import type { PasswordService, Principal } from '../core/procedure';
import { findCredentialUser, recordFailedLogin, recordSuccessfulLogin } from '../db/repositories/credentials';
import { getSetting } from '../db/repositories/settings';
import { digestsEqual, sha256Hex } from './secrets';

export const API_TOKEN_SETTING = 'api_token_sha256';

export interface AuthenticatorOptions {
  db: Knex;
  passwords: PasswordService;
  /** SHA-256 of API_TOKEN when it is configured; otherwise the stored digest is used. */
  apiTokenSha256: string | null;
  lockoutThreshold: number;
  lockoutMinutes: number;
  now(): number;
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { db, passwords } = options;

  async function appToken(secret: string): Promise<Principal | null> {
    const expected = options.apiTokenSha256 ?? (await getSetting(db, API_TOKEN_SETTING));
    return expected && digestsEqual(sha256Hex(secret), expected) ? { kind: 'app' } : null;
  }

  async function user({ username, secret }: Credentials): Promise<Principal | null> {
    const digest = sha256Hex(secret);
    const found = await findCredentialUser(db, username, digest);
    if (!found) return null;
    const now = options.now();
    if (found.lockExpirationDate >= now || !found.isActive) return null;

    let via: 'personal_token' | 'app_password' | 'password' | null = null;
    if (found.tokenMatches) via = 'personal_token';
    else if (found.appPasswordMatches) via = 'app_password';
    else if (found.passwordHash && !found.twofactorActivated && (await passwords.verify(secret, found.passwordHash))) via = 'password';

    if (!via) {
      await recordFailedLogin(db, found.id, now, options.lockoutThreshold, options.lockoutMinutes * 60);
      return null;
    }
    if (found.nbFailedLogin !== 0 || found.lockExpirationDate !== 0 || found.lastLogin <= now - 60) {
      await recordSuccessfulLogin(db, found.id, now);
    }
    return { kind: 'user', user: { id: found.id, username: found.username, role: found.role }, via };
  }

  return {
    async authenticate(credentials: Credentials | null, { allowAppToken }: AuthenticateOptions) {
      if (!credentials) return null;
      if (credentials.username === APP_TOKEN_USERNAME) {
        return allowAppToken && credentials.secret !== '' ? appToken(credentials.secret) : null;
      }
      return user(credentials);
    },
  };
}
