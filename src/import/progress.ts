/**
 * Progress of a long import on stderr. On a terminal: a cli-progress bar with rows done, rate and
 * ETA, redrawn in place and cleared at the end. Elsewhere (CI logs, files): a plain line at most
 * every `intervalMs` (nothing at all for an import shorter than that), never control characters.
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  start(total: number): void;
  /** `rows` more are done. */
  advance(rows: number): void;
  /** Ends the display (clears the bar); the caller prints its summary after. */
  stop(): void;
}

/** The part of a stream the display needs; `isTTY` decides between bar and lines. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface ProgressOptions {
  /** Word before the numbers, e.g. `importing`. */
  label: string;
  /** false: show nothing (e.g. --no-progress). */
  enabled?: boolean;
  /** Milliseconds between plain lines when the stream is not a terminal (default 10 s). */
  intervalMs?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/** `1h02m`, `3m05s`, `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const silent: Progress = { start() {}, advance() {}, stop() {} };

export function createProgress(stream: ProgressStream, options: ProgressOptions): Progress {
  if (options.enabled === false) return silent;
  const now = options.now ?? Date.now;
  let total = 0;
  let done = 0;
  let startedAt = 0;
  const rate = () => {
    const seconds = (now() - startedAt) / 1000;
    return seconds > 0 ? done / seconds : 0;
  };
  /** Seconds left at the rate so far; unknown (`?`) until a first batch is done. */
  const remaining = (perSecond: number) => formatDuration(perSecond > 0 ? (total - done) / perSecond : Number.NaN);

  if (stream.isTTY === true) {
    const bar = new SingleBar({
      stream,
      format: `${options.label} {bar} {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {remaining}`,
      barsize: 30,
      clearOnComplete: true,
      hideCursor: false,
      fps: 5,
      etaBuffer: 20,
    });
    return {
      start(n) {
        total = n;
        startedAt = now();
        bar.start(total, 0, { rate: '0', remaining: '?' });
      },
      advance(rows) {
        done += rows;
        const perSecond = rate();
        bar.update(done, { rate: Math.round(perSecond).toString(), remaining: remaining(perSecond) });
      },
      stop() {
        bar.stop();
      },
    };
  }

  const interval = options.intervalMs ?? 10000;
  let lastLine = 0;
  return {
    start(n) {
      total = n;
      startedAt = now();
      lastLine = startedAt;
    },
    advance(rows) {
      done += rows;
      const at = now();
      if (at - lastLine < interval || done >= total) return;
      lastLine = at;
      const perSecond = rate();
      const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
      stream.write(`${options.label}: ${done}/${total} rows (${percent}%), ${Math.round(perSecond)} rows/s, ETA ${remaining(perSecond)}\n`);
    },
    stop() {},
  };
}
