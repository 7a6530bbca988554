/** The shared app-password store: only SHA-256 digests of the tokens are kept. */
import type { Knex } from 'knex';
import { toNumber } from './rows';

export interface NewAppPassword {
  userId: number;
  name: string;
  tokenSha256: string;
  createdAt: number;
  createdBy: string | null;
}

export async function insertAppPassword(db: Knex, entry: NewAppPassword): Promise<number> {
  const [row] = await db('app_passwords')
    .insert({
      user_id: entry.userId,
      name: entry.name,
      token_hash: entry.tokenSha256,
      created_at: entry.createdAt,
      created_by: entry.createdBy,
    })
    .returning('id');
  return toNumber(row.id);
}

/** An app password as listed to an operator: never its digest. */
export interface AppPasswordEntry {
  id: number;
  name: string;
  createdAt: number;
  createdBy: string | null;
}

/** A user's unrevoked app passwords, oldest first. */
export async function listAppPasswords(db: Knex, userId: number): Promise<AppPasswordEntry[]> {
  const rows = await db('app_passwords').select('id', 'name', 'created_at', 'created_by').where({ user_id: userId }).whereNull('revoked_at').orderBy('id');
  return rows.map((row) => ({ id: toNumber(row.id), name: row.name as string, createdAt: toNumber(row.created_at), createdBy: (row.created_by as string | null) ?? null }));
}

/** Revokes one unrevoked app password of the user; false when there is none with that id. */
export async function revokeAppPassword(db: Knex, userId: number, id: number, now: number): Promise<boolean> {
  const count = await db('app_passwords').where({ id, user_id: userId }).whereNull('revoked_at').update({ revoked_at: now });
  return count > 0;
}
