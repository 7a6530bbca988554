/** Instance-wide settings kept in the database so every instance reads the same value. */
import type { Knex } from 'knex';

export async function getSetting(db: Knex, key: string): Promise<string | null> {
  const row = await db('settings').where({ key }).first('value');
  return row ? (row.value as string) : null;
}

/** Stores a value unless the key exists; returns whether this call stored it. */
export async function insertSettingIfAbsent(db: Knex, key: string, value: string, now: number): Promise<boolean> {
  const result = await db.raw('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING key', [key, value, now]);
  return (result.rows as unknown[]).length > 0;
}

/** Stores a value, replacing any previous one. */
export async function putSetting(db: Knex, key: string, value: string, now: number): Promise<void> {
  await db.raw('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at', [key, value, now]);
}
