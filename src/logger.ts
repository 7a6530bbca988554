/** Structured JSON logs (pino); credentials and secrets are redacted wherever they appear. */
import pino from 'pino';

export type Logger = pino.Logger;

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-auth"]',
  '*.password',
  '*.token',
  '*.secret',
  'password',
  'token',
  'secret',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'roster' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
