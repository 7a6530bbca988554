/**
 * Reads an import file as a stream of records with their physical line numbers: CSV (header line
 * first, RFC 4180 quoting, fields may span lines) or JSON Lines (one object per line). Only the
 * file's syntax is checked here; validateRow checks the values.
 */
import { pipeline, Transform, type Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { parse, CsvError } from 'csv-parse';
import { IMPORT_FIELDS, type InputFormat } from './importRow';

/** A record of the file: CSV cells by column (every column present), or a JSON Lines object. */
export type SourceRecord =
  | { kind: 'csv'; line: number; cells: Record<string, string> }
  | { kind: 'jsonl'; line: number; value: Record<string, unknown> }
  /** A record that cannot be read; `fatal` when reading cannot go on past it. */
  | { kind: 'error'; line: number; message: string; fatal: boolean };

const KNOWN_FIELDS: ReadonlySet<string> = new Set(IMPORT_FIELDS);

/** Counts line breaks as readers see them: LF, CRLF or a lone CR. */
function lineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

/**
 * CRLF and lone CR become LF before parsing: csv-parse counts lines reliably only for LF, and a
 * file may mix line ends. A line break inside a quoted field is thereby stored as LF.
 */
function normaliseLineEnds(): Transform {
  let pendingCr = false;
  return new Transform({
    decodeStrings: false,
    encoding: 'utf8',
    transform(chunk: string, _encoding, callback) {
      let text = (pendingCr ? '\r' : '') + chunk;
      pendingCr = text.endsWith('\r');
      if (pendingCr) text = text.slice(0, -1);
      callback(null, text.replace(/\r\n?/g, '\n'));
    },
    flush(callback) {
      callback(null, pendingCr ? '\n' : '');
    },
  });
}

function csvProblem(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'malformed CSV: a quoted field is not closed before the end of the file';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'malformed CSV: a closing quote must be followed by a comma or the end of the line (write a quote inside a quoted field as "")';
    case 'INVALID_OPENING_QUOTE':
      return 'malformed CSV: a quote inside an unquoted field (quote the whole field and write the quote as "")';
    default:
      return `malformed CSV: ${error.message.replace(/ at line \d+.*$/s, '')}`;
  }
}

/** Checks the header: known, distinct columns including username. */
function headerProblems(columns: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const column of columns) {
    if (!KNOWN_FIELDS.has(column)) problems.push(`unknown column "${column}" (columns: ${IMPORT_FIELDS.join(', ')})`);
    else if (seen.has(column)) problems.push(`column "${column}" appears twice`);
    seen.add(column);
  }
  if (!seen.has('username')) problems.push('the header has no username column');
  return problems;
}

/**
 * The records of a stream, then its error if it fails. Unlike `for await` over the stream, the
 * records read before a syntax error are kept (an error destroys the stream's buffer): they are
 * taken from 'data' events as they come. No backpressure is needed: the consumer validates
 * synchronously, so the queue holds at most the records of one input chunk.
 */
async function* recordsThenError<T>(stream: Readable): AsyncGenerator<T> {
  const queue: T[] = [];
  let next = 0;
  let failure: { error: unknown } | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  stream.on('data', (record: T) => {
    queue.push(record);
    notify();
  });
  stream.once('end', () => {
    ended = true;
    notify();
  });
  stream.once('error', (error) => {
    failure = { error };
    notify();
  });
  try {
    for (;;) {
      if (next < queue.length) {
        yield queue[next++];
        if (next === queue.length) queue.length = next = 0;
      } else if (failure) throw failure.error;
      else if (ended) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stream.destroy(); // stopped early (e.g. at a header fault): close the input too
  }
}

async function* readCsv(input: Readable): AsyncGenerator<SourceRecord> {
  input.setEncoding('utf8');
  const parser = parse({ bom: true, info: true, raw: true, relax_column_count: true, skip_empty_lines: true });
  // An input error (or an early stop) destroys every stage; the parser's error reaches the reader.
  pipeline(input, normaliseLineEnds(), parser, () => undefined);
  let header: string[] | null = null;
  // Physical line of the end of the last record read: where the next record's search starts.
  let lastLine = 0;
  try {
    for await (const { record, info } of recordsThenError<{ record: string[]; info: { lines: number } }>(parser)) {
      // `info.lines` is the line the record ends on; its own line breaks are inside quoted fields.
      lastLine = info.lines;
      const line = lastLine - record.reduce((sum, field) => sum + lineBreaks(field), 0);
      if (record.length === 1 && record[0].trim() === '') continue; // a line of spaces
      if (header === null) {
        header = record.map((column) => column.trim().toLowerCase());
        const problems = headerProblems(header);
        for (const message of problems) yield { kind: 'error', line, message, fatal: true };
        if (problems.length > 0) return;
        continue;
      }
      if (record.length !== header.length) {
        yield { kind: 'error', line, message: `expected ${header.length} fields as in the header, found ${record.length}`, fatal: false };
        continue;
      }
      const cells: Record<string, string> = {};
      header.forEach((column, index) => (cells[column] = record[index]));
      yield { kind: 'csv', line, cells };
    }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const { raw, lines } = error as { raw?: unknown; lines?: unknown };
    // The unreadable record starts after the blank lines that precede it (they lead its raw text);
    // an unclosed quote is reported there, other faults on the line csv-parse stopped at.
    const start = lastLine + 1 + (typeof raw === 'string' ? (/^\n*/.exec(raw)?.[0].length ?? 0) : 0);
    const line = error.code !== 'CSV_QUOTE_NOT_CLOSED' && typeof lines === 'number' ? Math.max(start, lines) : start;
    yield { kind: 'error', line, message: csvProblem(error), fatal: true };
    return;
  }
  if (header === null) yield { kind: 'error', line: 1, message: 'the file is empty (a CSV file starts with a header line naming its columns)', fatal: true };
}

async function* readJsonLines(input: Readable): AsyncGenerator<SourceRecord> {
  input.setEncoding('utf8');
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    const content = line === 1 ? text.replace(/^\uFEFF/, '') : text;
    if (content.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      yield { kind: 'error', line, message: `malformed JSON: ${(error as Error).message}`, fatal: false };
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      yield { kind: 'error', line, message: 'a line must be a JSON object', fatal: false };
      continue;
    }
    yield { kind: 'jsonl', line, value: value as Record<string, unknown> };
  }
}

/** The records of an import file, in file order. */
export function readRows(input: Readable, format: InputFormat): AsyncGenerator<SourceRecord> {
  return format === 'csv' ? readCsv(input) : readJsonLines(input);
}
