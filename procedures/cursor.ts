/**
 * Keyset cursors of the search procedures: base64url of {"v":1,"after":<id>,"f":"<8 hex>"} where f
 * fingerprints the filters, so a cursor cannot be replayed with other filters.
 */
import { createHash } from 'node:crypto';
import { AppError, invalidParam } from '../src/core/errors';
import { MAX_PAGE_SIZE } from '../schemas/common';

function fingerprint(filters: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(filters).sort().map((k) => [k, filters[k]]));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 8);
}

export function encodeCursor(afterId: number, filters: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ v: 1, after: afterId, f: fingerprint(filters) })).toString('base64url');
}

const badCursor = () => invalidParam('/cursor', 'cursor', 'must be a cursor returned for the same filters');

/** The id after which the page starts (0 for no cursor). */
export function decodeCursor(cursor: string | null | undefined, filters: Record<string, unknown>): number {
  if (cursor === null || cursor === undefined) return 0;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const c = decoded as { v?: unknown; after?: unknown; f?: unknown } | null;
  if (!c || typeof c !== 'object' || c.v !== 1 || !Number.isSafeInteger(c.after) || (c.after as number) < 0 || c.f !== fingerprint(filters)) {
    throw badCursor();
  }
  return c.after as number;
}

export function assertPageSize(limit: number): void {
  if (limit > MAX_PAGE_SIZE) throw new AppError('LIMIT_EXCEEDED', { reason: 'page_size_too_large', limit: MAX_PAGE_SIZE });
}

/** Builds a page from `limit + 1` fetched rows ordered by id. */
export function pageFrom<T extends { id: number }>(rows: T[], limit: number, filters: Record<string, unknown>) {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return { items, next_cursor: more ? encodeCursor(items[items.length - 1].id, filters) : null };
}
