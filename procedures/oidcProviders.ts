/** OIDC provider procedures (nmcuser-oidc §9.2), on the JSON-RPC surfaces. */
import { AppError, notFound } from '../src/core/errors';
import { defineProcedure } from '../src/core/procedure';
import * as providers from '../src/db/repositories/oidcProviders';
import { createOidcProviderParams, getAllOidcProvidersParams, oidcProviderObject, providerIdParams } from '../schemas/oidcProviders';

const providerNotFound = (id: number) => notFound('oidc_provider', id);

export const createOidcProvider = defineProcedure({
  name: 'createOidcProvider',
  description: 'Create an OIDC provider for the nmcuser_oidc API. Identifiers are unique ignoring case. Returns the new id.',
  params: ['identifier', 'client_id', 'discovery_url'],
  schema: createOidcProviderParams,
  result: { type: 'integer' },
  writes: true,
  failure: false,
  async handler(p, ctx) {
    const created = await providers.insertProviderIfAbsent(ctx.db, { identifier: p.identifier, client_id: p.client_id ?? '', discovery_url: p.discovery_url ?? '' });
    if (created === null) throw new AppError('ALREADY_EXISTS', { resource: 'oidc_provider', field: 'identifier' });
    return created;
  },
});

export const getAllOidcProviders = defineProcedure({
  name: 'getAllOidcProviders',
  description: 'All OIDC providers, by id.',
  params: [],
  schema: getAllOidcProvidersParams,
  result: { type: 'array', items: oidcProviderObject },
  writes: false,
  failure: [],
  handler: (_p, ctx) => providers.listProviders(ctx.db),
});

export const getOidcProvider = defineProcedure({
  name: 'getOidcProvider',
  description: 'One OIDC provider by id.',
  params: ['provider_id'],
  schema: providerIdParams('getOidcProvider'),
  result: oidcProviderObject,
  writes: false,
  failure: null,
  async handler(p, ctx) {
    const provider = await providers.findProviderById(ctx.db, p.provider_id);
    if (!provider) throw providerNotFound(p.provider_id);
    return provider;
  },
});

export const removeOidcProvider = defineProcedure({
  name: 'removeOidcProvider',
  description: 'Remove an OIDC provider. Its users keep their accounts and app passwords; their provider link is cleared.',
  params: ['provider_id'],
  schema: providerIdParams('removeOidcProvider'),
  result: { type: 'boolean', const: true },
  writes: true,
  failure: false,
  async handler(p, ctx) {
    if (!(await providers.deleteProvider(ctx.db, p.provider_id))) throw providerNotFound(p.provider_id);
    return true as const;
  },
});

export const oidcProviderProcedures = [createOidcProvider, getAllOidcProviders, getOidcProvider, removeOidcProvider];
