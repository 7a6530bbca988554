/**
 * `roster export`: every user as one JSON Lines record with exactly the fields `roster import`
 * reads, ordered by id, so that importing the file into an empty database reproduces the users and
 * importing it into the same database changes nothing. Passwords appear only as the stored bcrypt
 * hash (`password_hash`, null when the user has none); plain text is never stored, so never written.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Knex } from 'knex';
import { listUserRecords, type UserRecord } from '../db/repositories/bulkUsers';

/** Users read per query. */
const PAGE_SIZE = 1000;

/** One exported user, members in import's field order. */
export interface ExportedUser {
  username: string;
  name: string | null;
  email: string | null;
  role: string;
  password_hash: string | null;
  /** Byte order, `admin` included for app-admins. */
  groups: string[];
  /** As stored: `none`, `default` or decimal bytes. */
  quota: string;
  enabled: boolean;
}

export function toExportedUser(user: UserRecord): ExportedUser {
  return {
    username: user.username,
    name: user.name,
    email: user.email,
    role: user.role,
    password_hash: user.passwordHash,
    groups: user.groups,
    quota: user.quota,
    enabled: user.isActive,
  };
}

/**
 * Writes every user to `out` (not ended); resolves with the number of users written. Rejects when
 * `out` fails or is closed (e.g. the reader of a pipe went away) instead of waiting for it.
 */
export async function exportUsers(knex: Knex, out: Writable): Promise<number> {
  let afterId = 0;
  let count = 0;
  for (;;) {
    const page = await listUserRecords(knex, afterId, PAGE_SIZE);
    if (page.length === 0) return count;
    if (out.destroyed || out.writableEnded) throw out.errored ?? new Error('the output was closed');
    const text = page.map((user) => `${JSON.stringify(toExportedUser(user))}\n`).join('');
    if (!out.write(text)) await once(out, 'drain');
    count += page.length;
    afterId = page[page.length - 1].id;
  }
}
