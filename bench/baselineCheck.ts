/**
 * bench/baseline.mjs is a vendored copy of ../shared/bench/baseline.mjs (relative to the
 * repository root). Apart from its "vendored" comment block the two must be identical; when the
 * shared file exists and differs, the run warns (and says so in the report).
 */
import fs from 'node:fs';
import path from 'node:path';
import { BASELINE_MJS, REPO_ROOT } from './context';

export const SHARED_BASELINE = path.resolve(REPO_ROOT, '../shared/bench/baseline.mjs');

/** The vendored file without its "// ---- vendored" … "// ---- end vendored" block. */
export function withoutVendoringNote(text: string): string {
  return text.replace(/^\/\/ ---- vendored -*\n[\s\S]*?^\/\/ ---- end vendored -*\n/m, '');
}

/** A warning when the shared baseline exists and differs from the vendored copy; undefined otherwise. */
export function checkVendoredBaseline(): string | undefined {
  if (!fs.existsSync(SHARED_BASELINE)) return undefined;
  const shared = fs.readFileSync(SHARED_BASELINE, 'utf8');
  const vendored = withoutVendoringNote(fs.readFileSync(BASELINE_MJS, 'utf8'));
  if (shared === vendored) return undefined;
  return `bench/baseline.mjs differs from ${SHARED_BASELINE}: copy the shared file over it again (keeping the "vendored" comment block), so both measure the same baseline`;
}
