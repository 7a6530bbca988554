/** The authentication service as adapters see it (implemented in src/auth, injected by app.ts). */
import type { Principal } from './procedure';

export interface Credentials {
  username: string;
  secret: string;
}

export interface AuthenticateOptions {
  /** Whether `jsonrpc:<API token>` (app mode) is accepted on this surface. */
  allowAppToken: boolean;
  /** The request's id, for what authentication logs (an unreachable LDAP directory). */
  requestId?: string;
}

export interface Authenticator {
  /** The caller, or null for every kind of failure (no credentials, wrong secret, disabled, locked…). */
  authenticate(credentials: Credentials | null, options: AuthenticateOptions): Promise<Principal | null>;
}

/** The user name that always means the application token. */
export const APP_TOKEN_USERNAME = 'jsonrpc';
