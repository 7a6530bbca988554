/** writeChunks: backpressure (at most one piece read ahead), the end, failures and stalled sinks. */
import { Writable } from 'node:stream';
import { writeChunks } from '../../src/adapters/http/writeChunks';
import { streamedResultResponse } from '../../src/adapters/jsonrpc/wire';

/** A sink that takes one piece at a time, only when `release` is called. */
function slowSink() {
  const written: string[] = [];
  const waiting: Array<() => void> = [];
  const sink = new Writable({
    highWaterMark: 1,
    decodeStrings: false,
    write(chunk: string, _enc, done) {
      written.push(chunk);
      waiting.push(done);
    },
  });
  return { sink, written, release: () => waiting.shift()?.() };
}

function pieces(count: number, log: string[], failAt?: number): AsyncGenerator<string> {
  return (async function* () {
    try {
      for (let i = 0; i < count; i += 1) {
        if (i === failAt) throw new Error('boom');
        log.push(`made ${i}`);
        yield `<${i}>`;
      }
    } finally {
      log.push('closed');
    }
  })();
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('no piece is made more than one ahead of what the sink took', async () => {
  const { sink, written, release } = slowSink();
  const log: string[] = [];
  const writing = writeChunks(sink, pieces(5, log), { stallMs: 10_000 });
  for (let taken = 0; taken < 5; taken += 1) {
    await tick();
    // written so far: `taken + 1`; made: at most one more
    expect(written.length).toBe(taken + 1);
    expect(log.filter((l) => l.startsWith('made')).length).toBeLessThanOrEqual(taken + 2);
    release();
  }
  await expect(writing).resolves.toBe('finished');
  expect(written.join('')).toBe('<0><1><2><3><4>');
  expect(log.at(-1)).toBe('closed');
  expect(sink.writableEnded).toBe(true);
});

test('a failing piece destroys the sink and rejects; the pieces are closed', async () => {
  const sink = new Writable({ write: (_c, _e, done) => done() });
  const log: string[] = [];
  await expect(writeChunks(sink, pieces(5, log, 2), { stallMs: 10_000 })).rejects.toThrow('boom');
  expect(sink.destroyed).toBe(true);
  expect(sink.writableEnded).toBe(false);
  expect(log).toEqual(['made 0', 'made 1', 'closed']);
});

test('a sink that takes nothing for stallMs is destroyed; the rest is never made', async () => {
  const { sink } = slowSink();
  const log: string[] = [];
  await expect(writeChunks(sink, pieces(100, log), { stallMs: 50 })).resolves.toBe('gone');
  expect(sink.destroyed).toBe(true);
  expect(log).toEqual(['made 0', 'made 1', 'closed']);
});

test('a sink closed by the other side: gone, the pieces closed', async () => {
  const { sink } = slowSink();
  const log: string[] = [];
  const writing = writeChunks(sink, pieces(100, log), { stallMs: 10_000 });
  await tick();
  sink.destroy();
  await expect(writing).resolves.toBe('gone');
  expect(log.at(-1)).toBe('closed');
});

describe('streamedResultResponse', () => {
  async function joined(pages: unknown[][], id: unknown): Promise<string> {
    let text = '';
    for await (const piece of streamedResultResponse((async function* () { yield* pages; })(), id)) text += piece;
    return text;
  }

  test.each([
    [[[{ a: 1 }, { b: 'é"\\\u2028' }], [], [{ c: null }]], 1],
    [[], 'id'],
    [[[], []], null],
    [[[1, undefined, 'x']], { nested: [true] }],
    [[[{ a: 1 }]], undefined],
  ])('pages %j, id %j: the bytes of JSON.stringify of the whole response', async (pages, id) => {
    expect(await joined(pages, id)).toBe(JSON.stringify({ jsonrpc: '2.0', result: pages.flat(), id }));
  });
});
