/**
 * Credentials from a request: the optional API auth header (base64 of user:secret, no scheme) when
 * configured and present, otherwise `Authorization: Basic`. Split at the first `:`.
 */
import basicAuth from 'basic-auth';
import type { Request } from 'express';
import type { Credentials } from '../../core/authentication';

function parseBasic(value: string | undefined): Credentials | null {
  if (!value) return null;
  const parsed = basicAuth.parse(value);
  return parsed ? { username: parsed.name, secret: parsed.pass } : null;
}

/** `Authorization: Basic …` only (OCS and nmcuser_oidc). */
export function basicCredentials(req: Request): Credentials | null {
  return parseBasic(req.get('authorization'));
}

/** JSON-RPC: the API auth header, when configured and sent, is the only source for the request. */
export function jsonRpcCredentials(req: Request, apiAuthHeader: string | undefined): Credentials | null {
  if (apiAuthHeader) {
    const value = req.get(apiAuthHeader);
    if (value !== undefined) return parseBasic(`Basic ${value.trim()}`);
  }
  return basicCredentials(req);
}
