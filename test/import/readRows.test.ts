/** Reading import files: records and their physical line numbers, syntax faults, without a database. */
import { Readable } from 'node:stream';
import { readRows, type SourceRecord } from '../../src/import/readRows';
import type { InputFormat } from '../../src/import/importRow';

async function read(format: InputFormat, ...chunks: string[]): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const record of readRows(Readable.from(chunks.map((c) => Buffer.from(c))), format)) records.push(record);
  return records;
}

const csvLines = (records: SourceRecord[]) => records.map((r) => (r.kind === 'csv' ? [r.line, r.cells.username] : r.kind === 'error' ? [r.line, r.message] : r));

describe('CSV', () => {
  test('a record is numbered by the physical line it starts on: the header is line 1, quoted fields may span lines, blank lines count', async () => {
    const text = 'username,name\nalice,Alice\n\n"bob","Bob\nthe\nBuilder"\ncarol,"x"\n\n\ndave,\n';
    const records = await read('csv', text);
    expect(csvLines(records)).toEqual([
      [2, 'alice'],
      [4, 'bob'],
      [7, 'carol'],
      [10, 'dave'],
    ]);
    expect(records[1]).toEqual({ kind: 'csv', line: 4, cells: { username: 'bob', name: 'Bob\nthe\nBuilder' } });
    expect(records[3]).toEqual({ kind: 'csv', line: 10, cells: { username: 'dave', name: '' } });
  });

  test('CRLF, lone CR and a CR split across chunks count as one line break each; a BOM is dropped', async () => {
    const records = await read('csv', '\uFEFFUsername , NAME\r\nalice,"A\r', '\nB"\r', '\nbob,Bob\rcarol,C');
    expect(records).toEqual([
      { kind: 'csv', line: 2, cells: { username: 'alice', name: 'A\nB' } },
      { kind: 'csv', line: 4, cells: { username: 'bob', name: 'Bob' } },
      { kind: 'csv', line: 5, cells: { username: 'carol', name: 'C' } },
    ]);
  });

  test('a row with too few or too many fields is an error of its line; reading goes on', async () => {
    expect(csvLines(await read('csv', 'username,name\nalice\nbob,Bob,extra\ncarol,C\n'))).toEqual([
      [2, 'expected 2 fields as in the header, found 1'],
      [3, 'expected 2 fields as in the header, found 3'],
      [4, 'carol'],
    ]);
  });

  test('an unclosed quote is reported on the line of the record that opens it, and reading stops', async () => {
    const records = await read('csv', 'username,name\nalice,A\n\nbob,"Bob\ncarol,C\n\n');
    expect(records).toEqual([
      { kind: 'csv', line: 2, cells: { username: 'alice', name: 'A' } },
      { kind: 'error', line: 4, message: 'malformed CSV: a quoted field is not closed before the end of the file', fatal: true },
    ]);
  });

  test('text after a closing quote is reported on its own line, inside a multi-line record', async () => {
    const records = await read('csv', 'username,name\nalice,"A\nB"x\nbob,B\n');
    expect(records).toEqual([
      {
        kind: 'error',
        line: 3,
        message: 'malformed CSV: a closing quote must be followed by a comma or the end of the line (write a quote inside a quoted field as "")',
        fatal: true,
      },
    ]);
  });

  test('header faults: unknown and repeated columns, no username; nothing after the header is read', async () => {
    const records = await read('csv', 'name,emial,name\nAlice,a@example.com,x\n');
    expect(records).toEqual([
      { kind: 'error', line: 1, message: 'unknown column "emial" (columns: username, name, email, role, password, password_hash, groups, quota, enabled)', fatal: true },
      { kind: 'error', line: 1, message: 'column "name" appears twice', fatal: true },
      { kind: 'error', line: 1, message: 'the header has no username column', fatal: true },
    ]);
  });

  test('an empty file', async () => {
    expect(await read('csv', '\n\n')).toEqual([{ kind: 'error', line: 1, message: 'the file is empty (a CSV file starts with a header line naming its columns)', fatal: true }]);
  });
});

describe('JSON Lines', () => {
  test('one object per line, blank lines skipped but counted, a BOM dropped; malformed lines are errors and reading goes on', async () => {
    const records = await read('jsonl', '\uFEFF{"username":"alice"}\r\n\n{"username": "bob",\n[1]\n"x"\n{"username":"carol","groups":["a"]}');
    expect(records).toEqual([
      { kind: 'jsonl', line: 1, value: { username: 'alice' } },
      { kind: 'error', line: 3, message: expect.stringMatching(/^malformed JSON: /), fatal: false },
      { kind: 'error', line: 4, message: 'a line must be a JSON object', fatal: false },
      { kind: 'error', line: 5, message: 'a line must be a JSON object', fatal: false },
      { kind: 'jsonl', line: 6, value: { username: 'carol', groups: ['a'] } },
    ]);
  });
});
