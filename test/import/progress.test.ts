/** The import progress display: a bar on a terminal, sparse plain lines elsewhere, nothing when disabled. */
import { Writable } from 'node:stream';
import { createProgress, formatDuration } from '../../src/import/progress';

function fakeStream(isTTY: boolean): Writable & { isTTY: boolean; columns: number; text(): string } {
  let written = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      written += String(chunk);
      callback();
    },
  });
  return Object.assign(stream, { isTTY, columns: 120, text: () => written });
}

test('on a terminal: a bar redrawn in place with rows, rate and ETA, cleared at the end', () => {
  const stream = fakeStream(true);
  let clock = 1_000_000;
  const progress = createProgress(stream, { label: 'importing', now: () => clock });
  progress.start(1000);
  expect(stream.text()).toContain('importing');
  expect(stream.text()).toContain('0% | 0/1000 rows | 0 rows/s | ETA ?');
  clock += 2000;
  progress.advance(500);
  progress.stop();
  const text = stream.text();
  // the final redraw shows the last values: 500 rows in 2 s is 250 rows/s, 2 s left
  expect(text).toContain('50% | 500/1000 rows | 250 rows/s | ETA 2s');
  expect(text).toContain('\u001b['); // drawn with terminal control sequences
  expect(text.endsWith('\u001b[2K')).toBe(true); // and the line cleared for the summary
});

test('not a terminal: a plain line at most every interval, none for the last batch, no control characters', () => {
  const stream = fakeStream(false);
  let clock = 0;
  const progress = createProgress(stream, { label: 'importing', intervalMs: 10000, now: () => clock });
  progress.start(10000);
  clock = 4000;
  progress.advance(2000); // too soon
  clock = 10000;
  progress.advance(3000);
  clock = 12000;
  progress.advance(1000); // too soon after the last line
  clock = 25000;
  progress.advance(4000); // done: the summary follows instead
  progress.stop();
  expect(stream.text()).toBe('importing: 5000/10000 rows (50%), 500 rows/s, ETA 10s\n');
});

test('disabled (--no-progress): nothing, even on a terminal', () => {
  const stream = fakeStream(true);
  const progress = createProgress(stream, { label: 'importing', enabled: false });
  progress.start(10);
  progress.advance(10);
  progress.stop();
  expect(stream.text()).toBe('');
});

test('durations', () => {
  expect([0, 42.4, 65, 3599, 3600, 7385, Number.NaN, -1].map(formatDuration)).toEqual(['0s', '42s', '1m05s', '59m59s', '1h00m', '2h03m', '?', '?']);
});
