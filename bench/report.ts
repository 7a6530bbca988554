/**
 * The report of a run: Markdown (targets table, then each scenario's details), JSON (everything)
 * and an SVG bar chart of the ratios, written to bench/results/<timestamp>/report.{md,json,svg}
 * and copied to bench/results/latest.{md,json,svg}.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './context';
import { formatMachine, type MachineInfo } from './machine';
import { chartRatio, formatThreshold, formatValue, type TargetResult } from './targets';

export const RESULTS_DIR = path.join(REPO_ROOT, 'bench/results');

export interface RunReport {
  startedAt: Date;
  finishedAt: Date;
  /** full (every target, default sizes), quick (the CI guard) or partial (--only or changed sizes). */
  mode: 'full' | 'quick' | 'partial';
  command: string;
  settings: Record<string, unknown>;
  machine: MachineInfo;
  targets: TargetResult[];
  sections: string[];
  data: Record<string, unknown>;
  chartExtras: Array<{ label: string; value: number }>;
  warnings: string[];
  /** Scenarios that could not run to the end, with the reason. */
  errors: string[];
}

const resultText = (pass: boolean | null) => (pass === null ? 'n/a' : pass ? 'pass' : '**FAIL**');

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** The targets table alone (what the README shows). */
export function targetsTable(targets: readonly TargetResult[]): string {
  return [
    '| target | what | measured | threshold | result |',
    '|---|---|---:|---:|---|',
    ...targets.map((t) => {
      const note = t.note ? ` — ${t.note}` : '';
      return `| ${t.id} | ${t.what} | ${formatValue(t.measured, t.unit)} (${t.detail}${note}) | ${formatThreshold(t)} | ${resultText(t.pass)} |`;
    }),
  ].join('\n');
}

export function renderMarkdown(report: RunReport, svgName: string): string {
  const failed = report.targets.filter((t) => t.pass === false).length;
  const lines = [
    '# Roster benchmark',
    '',
    `${report.startedAt.toISOString().replace(/\.\d+Z$/, 'Z')} · ${report.mode} run (\`${report.command}\`) · took ${duration(report.finishedAt.getTime() - report.startedAt.getTime())} · ` +
      `${report.targets.length - failed} of ${report.targets.length} targets met`,
    '',
    `**Machine:** ${formatMachine(report.machine)}`,
    '',
    `**Settings:** ${Object.entries(report.settings)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(', ')}`,
    '',
    targetsTable(report.targets),
    '',
    `![ratios](${svgName})`,
    '',
  ];
  if (report.errors.length) lines.push('**Errors** (scenarios that did not finish):', '', ...report.errors.map((e) => `* ${e}`), '');
  if (report.warnings.length) lines.push('**Warnings:**', '', ...report.warnings.map((w) => `* ${w}`), '');
  lines.push('## Details', '', ...report.sections.flatMap((s) => [s, '']));
  return lines.join('\n');
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Horizontal bars: each target's ratio (absolute targets as measured ÷ threshold) with its threshold tick, then the extra ratios. */
export function renderSvg(report: RunReport): string {
  type Bar = { label: string; value: number; threshold?: number; pass: boolean | null; text: string };
  const bars: Bar[] = report.targets.map((t) => {
    const { value, threshold } = chartRatio(t);
    const label = t.unit === 'ratio' ? `${t.id}: ${t.chartLabel ?? 'ratio'}` : `${t.id} (${formatValue(t.measured, t.unit)} ÷ ${t.threshold} ${t.unit})`;
    return { label, value, threshold, pass: t.pass, text: Number.isFinite(value) ? value.toFixed(2) : 'n/a' };
  });
  for (const extra of report.chartExtras) bars.push({ label: extra.label, value: extra.value, pass: null, text: Number.isFinite(extra.value) ? extra.value.toFixed(2) : 'n/a' });

  const labelWidth = 330;
  const barWidth = 380;
  const rowHeight = 26;
  const top = 66;
  const width = labelWidth + barWidth + 70;
  const height = top + bars.length * rowHeight + 30;
  const finite = bars.flatMap((b) => [b.value, b.threshold ?? 0]).filter(Number.isFinite);
  const max = Math.min(4, Math.max(1.2, ...finite) * 1.1);
  const x = (v: number) => labelWidth + (Math.min(v, max) / max) * barWidth;
  const colour = (b: Bar) => (b.threshold === undefined ? '#78909c' : b.pass === null ? '#bdbdbd' : b.pass ? '#2e7d32' : '#c62828');

  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Roster benchmark — ${escapeXml(report.startedAt.toISOString().slice(0, 16).replace('T', ' '))} UTC (${report.mode})</text>`,
    `<text x="10" y="36" fill="#555">Ratios to the reference of the same run; absolute targets as measured ÷ threshold.</text>`,
    `<text x="10" y="50" fill="#555">Black tick = threshold; green met, red missed, grey for information.</text>`,
    `<line x1="${x(1)}" y1="${top - 6}" x2="${x(1)}" y2="${height - 24}" stroke="#9e9e9e" stroke-dasharray="3,3"/>`,
    `<text x="${x(1)}" y="${height - 10}" text-anchor="middle" fill="#555">1.0</text>`,
    `<text x="${labelWidth}" y="${height - 10}" text-anchor="middle" fill="#555">0</text>`,
    `<text x="${labelWidth + barWidth}" y="${height - 10}" text-anchor="middle" fill="#555">${max.toFixed(1)}</text>`,
  ];
  bars.forEach((b, i) => {
    const y = top + i * rowHeight;
    out.push(`<text x="${labelWidth - 8}" y="${y + 13}" text-anchor="end">${escapeXml(b.label)}</text>`);
    if (Number.isFinite(b.value)) {
      const w = Math.max(1, x(b.value) - labelWidth);
      out.push(`<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="18" fill="${colour(b)}"/>`);
      if (b.value > max) out.push(`<text x="${labelWidth + barWidth - 4}" y="${y + 13}" text-anchor="end" fill="#fff">»</text>`);
    }
    // the value goes right of the bar, or right of the threshold tick when that is just behind the bar
    const barEnd = Number.isFinite(b.value) ? x(b.value) : labelWidth;
    const tick = b.threshold === undefined ? undefined : x(b.threshold);
    const textX = (tick !== undefined && tick >= barEnd - 2 && tick < barEnd + 36 ? tick : barEnd) + 6;
    out.push(`<text x="${textX.toFixed(1)}" y="${y + 13}">${escapeXml(b.text)}</text>`);
    if (tick !== undefined) out.push(`<line x1="${tick}" y1="${y - 3}" x2="${tick}" y2="${y + 21}" stroke="#000" stroke-width="2"/>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export function renderJson(report: RunReport): string {
  const replacer = (_key: string, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value);
  return `${JSON.stringify(
    {
      version: 1,
      startedAt: report.startedAt.toISOString(),
      finishedAt: report.finishedAt.toISOString(),
      seconds: (report.finishedAt.getTime() - report.startedAt.getTime()) / 1000,
      mode: report.mode,
      command: report.command,
      settings: report.settings,
      machine: report.machine,
      targets: report.targets,
      warnings: report.warnings,
      errors: report.errors,
      scenarios: report.data,
    },
    replacer,
    2,
  )}\n`;
}

/** Writes the three files into a new results directory and as latest.*; returns the directory. */
export function writeReport(report: RunReport): string {
  const stamp = report.startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const dir = path.join(RESULTS_DIR, `${stamp}-${report.mode}`);
  fs.mkdirSync(dir, { recursive: true });
  const svg = renderSvg(report);
  const json = renderJson(report);
  fs.writeFileSync(path.join(dir, 'report.md'), renderMarkdown(report, 'report.svg'));
  fs.writeFileSync(path.join(dir, 'report.json'), json);
  fs.writeFileSync(path.join(dir, 'report.svg'), svg);
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.md'), renderMarkdown(report, 'latest.svg'));
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), json);
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.svg'), svg);
  return dir;
}
