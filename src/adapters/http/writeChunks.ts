/**
 * Writing a response body that is produced piece by piece (a streamed result), with backpressure:
 * the next piece is produced while the previous one is sent, and no further piece is produced while
 * the client has not taken what was written.
 */

/** What is written to: an express Response (http.ServerResponse), or any Writable. */
export interface ChunkSink {
  write(chunk: string): boolean;
  end(): unknown;
  destroy(): unknown;
  readonly destroyed: boolean;
  once(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
  off(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
}

/**
 * `finished`: every piece was written and the response ended. `gone`: the client closed the
 * connection, or took nothing for `stallMs` (the connection was then destroyed); the rest was not
 * produced.
 */
export type WriteOutcome = 'finished' | 'gone';

/** Resolves true on 'drain'; false when the sink closes or errs first, or after `stallMs` (then it is destroyed). */
function drained(sink: ChunkSink, stallMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (value: boolean) => {
      clearTimeout(timer);
      sink.off('drain', onDrain);
      sink.off('close', onGone);
      sink.off('error', onGone);
      resolve(value);
    };
    const onDrain = () => settle(true);
    const onGone = () => settle(false);
    const timer = setTimeout(() => {
      sink.destroy();
      settle(false);
    }, stallMs);
    sink.once('drain', onDrain);
    sink.once('close', onGone);
    sink.once('error', onGone);
  });
}

/**
 * Writes `chunks` to `sink` and ends it. Headers (status, content type) must be set before; they go
 * out with the first piece. When producing a piece fails, the sink is destroyed — the client sees a
 * cut-off answer, never a complete-looking wrong one — and the error is rethrown. In every case the
 * pieces' iterator is closed (return) before this resolves.
 */
export async function writeChunks(sink: ChunkSink, chunks: AsyncIterable<string>, options: { stallMs: number }): Promise<WriteOutcome> {
  const iterator = chunks[Symbol.asyncIterator]();
  let exhausted = false;
  try {
    let pending = iterator.next();
    for (;;) {
      const step = await pending;
      if (step.done) {
        exhausted = true;
        break;
      }
      if (sink.destroyed) return 'gone';
      // the next piece is produced while this one is sent
      pending = iterator.next();
      pending.catch(() => undefined); // seen when awaited; unobserved when the client is gone first
      if (!sink.write(step.value) && !(await drained(sink, options.stallMs))) return 'gone';
    }
  } catch (error) {
    sink.destroy();
    throw error;
  } finally {
    if (!exhausted) await iterator.return?.().catch(() => undefined);
  }
  if (sink.destroyed) return 'gone';
  sink.end();
  return 'finished';
}
