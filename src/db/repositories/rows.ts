/** Normalisation of driver values: node-postgres returns bigint/count as strings, PGlite as numbers. */
export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

export function toNullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}

/** Escapes `%`, `_` and `\` so a search string matches literally inside ILIKE '%…%'. */
export function likeContains(query: string): string {
  return `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
