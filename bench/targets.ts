/** The issue #7 targets: what each one compares, its threshold, and what a scenario hands to the report. */
import type { TargetId } from './context';

export type Unit = 'ratio' | 'ms' | 's' | 'MB';

export interface TargetResult {
  /** Row label: P1, P6 (PGlite), P1 guard … */
  id: string;
  target: TargetId;
  what: string;
  /** The figure compared with the threshold (NaN when it could not be measured). */
  measured: number;
  unit: Unit;
  comparator: '>=' | '<=';
  threshold: number;
  /** null: not measured (see note). */
  pass: boolean | null;
  /** The figures behind `measured`, e.g. "3120 / 5030 req/s". */
  detail: string;
  note?: string;
  /** What a ratio compares, for the chart (e.g. "req/s ÷ baseline"). */
  chartLabel?: string;
}

export const THRESHOLDS = {
  /** P1: Roster getUser (app token) throughput ÷ baseline. */
  P1: 0.75,
  /** --quick regression guard on the same ratio. */
  P1_GUARD: 0.6,
  /** P2: getUser with username:password throughput ÷ P1's. */
  P2: 0.6,
  /** P3: getUser p99 under createUser load ÷ idle p99. */
  P3: 3,
  /** P4: searchUsers 100-row page p50, ms. */
  P4_SEARCH_P50_MS: 10,
  /** P4: peak RSS of Roster after getAllUsers, MB. */
  P4_PEAK_RSS_MB: 300,
  /** P5: import of the users without passwords, seconds. */
  P5_SECONDS: 30,
  /** P6: warm start to /readyz 200, seconds. */
  P6_SECONDS: 2,
} as const;

/** The users P4 and P5 are defined at. */
export const TARGET_USERS = 100000;

export function judge(row: Omit<TargetResult, 'pass'>): TargetResult {
  const pass = !Number.isFinite(row.measured) ? null : row.comparator === '>=' ? row.measured >= row.threshold : row.measured <= row.threshold;
  return { ...row, pass };
}

/** The figure as a ratio for the chart: the ratio itself, or measured ÷ threshold for absolute figures. */
export function chartRatio(row: TargetResult): { value: number; threshold: number } {
  return row.unit === 'ratio' ? { value: row.measured, threshold: row.threshold } : { value: row.measured / row.threshold, threshold: 1 };
}

/** A scenario's contribution to the report. */
export interface ScenarioReport {
  targets: TargetResult[];
  /** Markdown sections (each starting with a ### heading). */
  markdown: string[];
  /** Raw figures for the JSON report, under the scenario's key. */
  data: Record<string, unknown>;
  /** Extra ratio rows for the chart, without a threshold (e.g. latency ÷ baseline). */
  chartExtras?: Array<{ label: string; value: number }>;
}

export const formatValue = (value: number, unit: Unit): string => {
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'ratio':
      return value.toFixed(Math.abs(value) < 0.1 && value !== 0 ? 3 : 2);
    case 'ms':
      return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
    case 's':
      return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} s`;
    case 'MB':
      return `${value.toFixed(0)} MB`;
  }
};

export const formatThreshold = (row: TargetResult): string => `${row.comparator === '>=' ? '≥' : '≤'} ${row.threshold}${row.unit === 'ratio' ? '' : ` ${row.unit}`}`;
