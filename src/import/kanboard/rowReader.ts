/**
 * One Kanboard row's columns read with Roster's conversions. Column types differ between Kanboard's
 * drivers (SQLite keeps booleans as 0/1, Postgres returns bigint as strings), so every value goes
 * through these; a wrong value throws BadValue naming the column.
 */
import { characterCount, hasNul } from '../../core/text';
import type { SourceRow } from './source';

const INT4_MIN = -2147483648;
const INT4_MAX = 2147483647;

/** Thrown inside a row's conversion; becomes one error Problem for that row. */
export class BadValue extends Error {}

/** Reads one row's columns with Roster's conversions; a wrong value throws BadValue naming the column. */
export class RowReader {
  constructor(
    private readonly row: SourceRow,
    private readonly columns: ReadonlySet<string>,
  ) {}

  has(column: string): boolean {
    return this.columns.has(column);
  }

  private raw(column: string): unknown {
    return this.columns.has(column) ? this.row[column] : undefined;
  }

  /** Text or null; numbers become their decimal text (SQLite's affinity may hand them back as numbers). */
  text(column: string, maxChars?: number): string | null {
    const value = this.raw(column);
    if (value === null || value === undefined) return null;
    let text: string;
    if (typeof value === 'string') text = value;
    else if (typeof value === 'number' || typeof value === 'bigint') text = String(value);
    else throw new BadValue(`${column} is not text`);
    if (hasNul(text)) throw new BadValue(`${column} contains a NUL character, which Roster cannot store`);
    if (maxChars !== undefined && characterCount(text) > maxChars) {
      throw new BadValue(`${column} is longer than ${maxChars} characters (${characterCount(text)})`);
    }
    return text;
  }

  /** Text with a default for null / absent. */
  textOr(column: string, fallback: string, maxChars?: number): string {
    return this.text(column, maxChars) ?? fallback;
  }

  integer(column: string, options: { min?: number; max?: number } = {}): number | null {
    const value = this.raw(column);
    if (value === null || value === undefined || value === '') return null;
    let n: number;
    if (typeof value === 'number') n = value;
    else if (typeof value === 'bigint') n = Number(value);
    else if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) n = Number(value.trim());
    else throw new BadValue(`${column} is not an integer (${JSON.stringify(String(value))})`);
    const min = options.min ?? INT4_MIN;
    const max = options.max ?? INT4_MAX;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new BadValue(`${column} ${String(value)} is out of range`);
    return n;
  }

  integerOr(column: string, fallback: number, options: { min?: number; max?: number } = {}): number {
    return this.integer(column, options) ?? fallback;
  }

  boolean(column: string, fallback: boolean): boolean {
    const value = this.raw(column);
    if (value === null || value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    if (value === 1 || value === 0) return value === 1;
    if (typeof value === 'bigint') return value !== 0n;
    if (typeof value === 'string') {
      const v = value.trim().toLowerCase();
      if (['1', 't', 'true'].includes(v)) return true;
      if (['0', 'f', 'false', ''].includes(v)) return false;
    }
    throw new BadValue(`${column} is not a boolean (${JSON.stringify(String(value))})`);
  }
}
