/**
 * Streamed array results. A procedure declared with `streams` returns its result array as an
 * AsyncIterable of pages; the dispatcher reads them in one read-only snapshot transaction that stays
 * open until the last page was read (or the reader stopped), so the whole array is never in memory.
 * Callers that write results piece by piece (the JSON-RPC adapter, for a single call) get a
 * StreamedArray; every other caller gets the whole array, as from any procedure.
 */
import type { Knex } from 'knex';
import type { AppError } from './errors';
import { openSnapshot } from '../db/transaction';
import { translateDbError } from '../db/pgErrors';

type Page = readonly unknown[];

/**
 * A result array that arrives in pages (never empty ones). Read it once: to the end, or stop early
 * (break out of `for await`, or `close()`), which releases the snapshot it reads. The first page was
 * read before the dispatcher handed it out, so a failure it raises happened after that: an AppError,
 * already logged when it was unexpected.
 */
export class StreamedArray implements AsyncIterable<Page> {
  #first: IteratorResult<Page> | null;
  readonly #rest: AsyncGenerator<Page>;
  #read = false;

  constructor(first: IteratorResult<Page>, rest: AsyncGenerator<Page>) {
    this.#first = first;
    this.#rest = rest;
  }

  [Symbol.asyncIterator](): AsyncIterator<Page> {
    if (this.#read) throw new Error('A StreamedArray is read once');
    this.#read = true;
    return {
      next: async () => {
        const first = this.#first;
        this.#first = null;
        return first ?? this.#rest.next();
      },
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** Stops reading and releases the snapshot; harmless when the pages were all read (idempotent). */
  async close(): Promise<void> {
    this.#first = null;
    await this.#rest.return(undefined);
  }
}

export function isStreamedArray(value: unknown): value is StreamedArray {
  return value instanceof StreamedArray;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

async function* readPages(snapshot: Knex.Transaction, run: (conn: Knex) => Promise<unknown>, fail: (error: unknown) => AppError): AsyncGenerator<Page> {
  let committed = false;
  try {
    const source = await run(snapshot);
    if (!isAsyncIterable(source)) throw new Error('A procedure that streams must return an AsyncIterable of pages');
    for await (const page of source) {
      if (!Array.isArray(page)) throw new Error('A streamed page must be an array');
      if (page.length > 0) yield page;
    }
    await snapshot.commit();
    committed = true;
  } catch (error) {
    throw fail(translateDbError(error) ?? error);
  } finally {
    // also when the reader stopped early (return at a yield)
    if (!committed && !snapshot.isCompleted()) await snapshot.rollback().catch(() => undefined);
  }
}

/**
 * Opens the snapshot, runs `run` on it (the handler, which returns its pages) and reads the first
 * page. A failure up to there rejects (an AppError from `fail`) with the snapshot already closed, so
 * the caller can still answer with an ordinary error.
 */
export async function openStreamedArray(db: Knex, run: (conn: Knex) => Promise<unknown>, fail: (error: unknown) => AppError): Promise<StreamedArray> {
  const snapshot = await openSnapshot(db);
  const pages = readPages(snapshot, run, fail);
  const first = await pages.next();
  return new StreamedArray(first, pages);
}

/** The whole array (for callers that do not write results piece by piece). */
export async function collectStreamedArray(stream: StreamedArray): Promise<unknown[]> {
  const all: unknown[] = [];
  for await (const page of stream) for (const item of page) all.push(item);
  return all;
}
