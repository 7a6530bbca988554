/** Transactions and error translation for the dispatcher: one transaction per writing call. */
import type { Knex } from 'knex';
import { translateDbError } from './pgErrors';

/** Runs `fn`, turning known database errors into AppErrors; other errors pass through unchanged. */
export async function translatingDbErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateDbError(error) ?? error;
  }
}

/**
 * Runs `fn` in one transaction on `db`. Inside, use only the transaction handed to `fn`: with
 * PGlite's single connection the outer knex would wait forever.
 */
export function inTransaction<T>(db: Knex, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return translatingDbErrors(() => db.transaction((trx) => fn(trx)));
}

/**
 * Opens a read-only REPEATABLE READ transaction that the caller ends (commit or rollback): every
 * query on it reads one snapshot, however long the caller takes between them. It holds a connection
 * until it ends — with PGlite, the only one.
 */
export function openSnapshot(db: Knex): Promise<Knex.Transaction> {
  return translatingDbErrors(() => db.transaction({ isolationLevel: 'repeatable read', readOnly: true }));
}
