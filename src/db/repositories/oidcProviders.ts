/** OIDC providers (nmcuser-oidc §9): identifiers unique ignoring case (a unique index on lower(identifier)). */
import type { Knex } from 'knex';
import { hasNul, toNumber } from './rows';

export interface OidcProvider {
  id: number;
  identifier: string;
  client_id: string;
  discovery_url: string;
}

const COLUMNS = ['id', 'identifier', 'client_id', 'discovery_url'] as const;

function toProvider(row: Record<string, unknown>): OidcProvider {
  return { id: toNumber(row.id), identifier: row.identifier as string, client_id: row.client_id as string, discovery_url: row.discovery_url as string };
}

export async function listProviders(db: Knex): Promise<OidcProvider[]> {
  return (await db('oidc_providers').select(COLUMNS).orderBy('id')).map(toProvider);
}

export async function findProviderById(db: Knex, id: number): Promise<OidcProvider | null> {
  const row = await db('oidc_providers').select(COLUMNS).where({ id }).first();
  return row ? toProvider(row) : null;
}

export async function findProviderByIdentifier(db: Knex, identifier: string): Promise<OidcProvider | null> {
  if (hasNul(identifier)) return null;
  const row = await db('oidc_providers').select(COLUMNS).whereRaw('lower(identifier) = lower(?)', [identifier]).first();
  return row ? toProvider(row) : null;
}

/** Inserts unless the identifier exists ignoring case; returns the new id, or null when it existed. */
export async function insertProviderIfAbsent(db: Knex, provider: Omit<OidcProvider, 'id'>): Promise<number | null> {
  const result = await db.raw(
    `INSERT INTO oidc_providers (identifier, client_id, discovery_url) VALUES (?, ?, ?)
     ON CONFLICT ((lower(identifier))) DO NOTHING RETURNING id`,
    [provider.identifier, provider.client_id, provider.discovery_url],
  );
  const rows = result.rows as { id: unknown }[];
  return rows.length > 0 ? toNumber(rows[0].id) : null;
}

export async function deleteProvider(db: Knex, id: number): Promise<boolean> {
  const deleted = await db('oidc_providers').where({ id }).delete().returning('id');
  return deleted.length > 0;
}
