/**
 * Turns a record of the file into a validated ImportRow, or into the list of its problems. CSV
 * cells are converted first (an empty cell is an absent field, `groups` split on `;`, `enabled`
 * from true/false/1/0/yes/no); then both formats meet the same checks: the row schema (the
 * createUser and createGroup rules, compiled once on the service's Ajv setup), NUL characters,
 * the quota grammar of the OCS API, one password form per row, and the admin-group rule.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { AppRole } from '../core/procedure';
import { createAjv } from '../core/validator';
import { coerceParams } from '../core/coercion';
import { hasNul } from '../core/text';
import { parseQuota, quotaToStoredText } from '../core/quota';
import { ADMIN_GROUP } from '../db/repositories/groups';
import { appRoles } from '../../schemas/common';
import { CSV_GROUP_SEPARATOR, IMPORT_FIELDS, importRowSchema, type ImportRow, type RowError } from './importRow';
import type { SourceRecord } from './readRows';

const ENABLED_WORDS: Readonly<Record<string, boolean>> = { true: true, false: false, 1: true, 0: false, yes: true, no: false };

let compiled: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  compiled ??= createAjv().compile(importRowSchema);
  return compiled;
}

/** CSV cells as values: empty cells left out, groups split and trimmed, enabled words as booleans. */
function fromCells(cells: Record<string, string>, line: number, errors: RowError[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [column, cell] of Object.entries(cells)) {
    if (cell === '') continue;
    if (column === 'groups') {
      fields.groups = cell
        .split(CSV_GROUP_SEPARATOR)
        .map((name) => name.trim())
        .filter((name) => name !== '');
    } else if (column === 'enabled') {
      const word = cell.trim().toLowerCase();
      if (Object.prototype.hasOwnProperty.call(ENABLED_WORDS, word)) fields.enabled = ENABLED_WORDS[word];
      else errors.push({ line, field: 'enabled', message: 'must be true, false, 1, 0, yes or no' });
    } else {
      fields[column] = cell;
    }
  }
  return fields;
}

function fieldOf(error: ErrorObject): string {
  if (error.keyword === 'required') return String(error.params.missingProperty);
  if (error.keyword === 'additionalProperties') return String(error.params.additionalProperty);
  const [field, index] = error.instancePath.split('/').slice(1);
  return index === undefined ? field : `${field}[${index}]`;
}

function messageOf(error: ErrorObject, field: string): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return `unknown field (fields: ${Object.keys(importRowSchema.properties).join(', ')})`;
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).join(', ')}`;
    case 'format':
      return error.params.format === 'email' ? 'is not a valid email address' : (error.message ?? 'is invalid');
    case 'pattern':
      if (field === 'password_hash') return 'must be a bcrypt hash ($2a$, $2b$ or $2y$, cost 04–31, 60 characters)';
      return 'a group name must not be empty or only whitespace';
    case 'minLength':
      return field === 'username' ? 'must not be empty' : (error.message ?? 'is too short');
    default:
      return error.message ?? 'is invalid';
  }
}

/** One problem per field: ajv's last, the most specific (`enum` after `type`, `pattern` after `minLength`). */
function schemaErrors(fields: Record<string, unknown>, line: number): RowError[] {
  const validate = schemaValidator();
  if (validate(fields)) return [];
  const byField = new Map<string, RowError>();
  for (const error of validate.errors ?? []) {
    const field = fieldOf(error);
    byField.delete(field); // re-inserted: a field keeps the place of its last error
    byField.set(field, { line, field, message: messageOf(error, field) });
  }
  return [...byField.values()];
}

function nulErrors(fields: Record<string, unknown>, line: number): RowError[] {
  const holdsNul = (value: unknown): boolean => (typeof value === 'string' ? hasNul(value) : Array.isArray(value) && value.some(holdsNul));
  return Object.entries(fields)
    .filter(([, value]) => holdsNul(value))
    .map(([field]) => ({ line, field, message: 'must not contain NUL characters' }));
}

/** The checks beyond the schema, on fields whose type is right (the schema reports the others). */
function ruleErrors(fields: Record<string, unknown>, line: number): RowError[] {
  const errors: RowError[] = [];
  const { quota, role, groups } = fields;
  if ((typeof quota === 'string' || typeof quota === 'number') && parseQuota(quota) === null) {
    errors.push({ line, field: 'quota', message: `invalid quota ${JSON.stringify(quota)} (none, default, bytes, or a number with B, KB, MB, GB, TB or PB)` });
  }
  if (fields.password !== undefined && fields.password_hash !== undefined) {
    errors.push({ line, field: 'password_hash', message: 'give either password or password_hash, not both' });
  }
  if (Array.isArray(groups) && groups.includes(ADMIN_GROUP) && (appRoles as readonly unknown[]).includes(role) && role !== 'app-admin') {
    errors.push({ line, field: 'groups', message: `membership of "${ADMIN_GROUP}" is the app-admin role, but role is ${role}` });
  }
  return errors;
}

/** The row from fields that passed every check. */
function toRow(fields: Record<string, unknown>, line: number): ImportRow {
  const row: ImportRow = { line, username: fields.username as string };
  if (fields.name !== undefined) row.name = fields.name as string | null;
  if (fields.email !== undefined) row.email = fields.email as string | null;
  if (fields.role !== undefined) row.role = fields.role as AppRole;
  if (fields.password !== undefined) row.password = fields.password as string;
  if (fields.password_hash !== undefined) row.passwordHash = fields.password_hash as string | null;
  if (fields.groups !== undefined) row.groups = [...new Set(fields.groups as string[])];
  if (fields.quota !== undefined) row.quota = quotaToStoredText(parseQuota(fields.quota as string | number)!);
  if (fields.enabled !== undefined) row.enabled = fields.enabled as boolean;
  return row;
}

const FIELD_ORDER = new Map<string, number>(IMPORT_FIELDS.map((field, index) => [field, index]));
const orderOf = (error: RowError) => FIELD_ORDER.get((error.field ?? '').replace(/\[\d+\]$/, '')) ?? IMPORT_FIELDS.length;

/** Validates one record of the file (not an error record); a row's problems are listed in field order. */
export function validateRecord(record: Exclude<SourceRecord, { kind: 'error' }>): { row: ImportRow } | { errors: RowError[] } {
  const { line } = record;
  const errors: RowError[] = [];
  const given = record.kind === 'csv' ? fromCells(record.cells, line, errors) : record.value;
  // usernames are trimmed as createUser trims them (schema annotation x-trim)
  const fields = coerceParams(given, importRowSchema.properties, 'strict');
  errors.push(...schemaErrors(fields, line), ...nulErrors(fields, line), ...ruleErrors(fields, line));
  if (errors.length > 0) return { errors: errors.sort((a, b) => orderOf(a) - orderOf(b)) };
  return { row: toRow(fields, line) };
}

/**
 * Validates records in file order and finds usernames repeated in the file (an error on every
 * later line). Collects the valid rows; reports each problem as it is found.
 */
export class RowCollector {
  readonly rows: ImportRow[] = [];
  /** Reading stopped before the end of the file (a syntax error it cannot get past). */
  truncated = false;
  private readonly invalidLines = new Set<number>();
  private readonly firstLine = new Map<string, number>();

  constructor(private readonly report: (error: RowError) => void) {}

  /** Rows (or header or syntax faults) with at least one problem. */
  get invalidRows(): number {
    return this.invalidLines.size;
  }

  private fail(error: RowError): void {
    this.invalidLines.add(error.line);
    this.report(error);
  }

  add(record: SourceRecord): void {
    if (record.kind === 'error') {
      if (record.fatal) this.truncated = true;
      this.fail({ line: record.line, message: record.message });
      return;
    }
    const result = validateRecord(record);
    if ('errors' in result) {
      for (const error of result.errors) this.fail(error);
      return;
    }
    const { row } = result;
    const first = this.firstLine.get(row.username);
    if (first !== undefined) {
      this.fail({ line: row.line, field: 'username', message: `"${row.username}" is already on line ${first}` });
      return;
    }
    this.firstLine.set(row.username, row.line);
    this.rows.push(row);
  }
}
