/** Normalisation of driver values: node-postgres returns bigint/count as strings, PGlite as numbers. */
export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

export function toNullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}

/** A NUL can never be stored in a text column: a lookup by a value containing one finds nothing. */
export function hasNul(value: string): boolean {
  return value.includes('\u0000');
}

/** Escapes `%`, `_` and `\` so a search string matches literally inside ILIKE '%…%'. */
export function likeContains(query: string): string {
  return `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
