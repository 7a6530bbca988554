/** Params and results of the OIDC provider procedures (nmcuser-oidc §9). */
import { id } from './common';

/** 1–128 characters of [A-Za-z0-9._-], not all digits (so ids and identifiers never clash). */
export const oidcIdentifier = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9._-]+$',
  not: { type: 'string', pattern: '^[0-9]+$' },
  description: 'Provider identifier: 1–128 characters of A-Z a-z 0-9 . _ -, not all digits; unique ignoring case',
} as const;

export const oidcClientId = { type: 'string', maxLength: 255, default: '', description: 'OAuth client id (stored for reference)' } as const;

export const oidcDiscoveryUrl = {
  type: 'string',
  maxLength: 2048,
  format: 'http-url-or-empty',
  default: '',
  description: 'OpenID discovery URL: "" or an absolute http(s) URL (stored for reference, never fetched)',
} as const;

export const oidcProviderObject = {
  type: 'object',
  description: 'OIDC provider',
  properties: { id: { type: 'integer' }, identifier: { type: 'string' }, client_id: { type: 'string' }, discovery_url: { type: 'string' } },
  required: ['id', 'identifier', 'client_id', 'discovery_url'],
} as const;

export const createOidcProviderParams = {
  $id: 'createOidcProvider.params',
  type: 'object',
  properties: { identifier: oidcIdentifier, client_id: oidcClientId, discovery_url: oidcDiscoveryUrl },
  required: ['identifier'],
  additionalProperties: false,
} as const;

export const providerIdParams = (procedure: string) =>
  ({
    $id: `${procedure}.params`,
    type: 'object',
    properties: { provider_id: id },
    required: ['provider_id'],
    additionalProperties: false,
  }) as const;

export const getAllOidcProvidersParams = {
  $id: 'getAllOidcProviders.params',
  type: 'object',
  properties: {},
  additionalProperties: false,
} as const;
