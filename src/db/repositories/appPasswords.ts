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
