/**
 * Credentials from a request: the optional API auth header (base64 of user:secret, no scheme) when
 * configured and present, otherwise `Authorization: Basic`. Split at the first `:`.
 */
import type { IncomingMessage } from 'node:http';
import type { Credentials } from '../../core/authentication';

/** `Basic <token68>`, scheme case-insensitive (RFC 7617). */
const BASIC = /^ *basic +([A-Za-z0-9._~+/-]+=*) *$/i;
/** Fatal: bytes that are not UTF-8 are undecodable input (contract §4.1), never U+FFFD. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function parseBasic(value: string | undefined): Credentials | null {
  if (!value) return null;
  const match = BASIC.exec(value);
  if (!match) return null;
  let text: string;
  try {
    text = UTF8.decode(Buffer.from(match[1], 'base64'));
  } catch {
    return null;
  }
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  return { username: text.slice(0, colon), secret: text.slice(colon + 1) };
}

/** A request header as express's `req.get` reads it (node joins repeated custom headers with ", "). */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** `Authorization: Basic …` only (OCS and nmcuser_oidc). */
export function basicCredentials(req: IncomingMessage): Credentials | null {
  return parseBasic(header(req, 'authorization'));
}

/** JSON-RPC: the API auth header, when configured and sent, is the only source for the request. */
export function jsonRpcCredentials(req: IncomingMessage, apiAuthHeader: string | undefined): Credentials | null {
  if (apiAuthHeader) {
    const value = header(req, apiAuthHeader);
    if (value !== undefined) return parseBasic(`Basic ${value.trim()}`);
  }
  return basicCredentials(req);
}
