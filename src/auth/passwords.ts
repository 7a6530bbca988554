/**
 * Password hashing with bcrypt. The native binding hashes on libuv's thread pool, never on the event
 * loop; a semaphore bounds how many hashes run at once so a burst of createUser or logins cannot
 * occupy every pool thread (PGlite's file I/O and DNS use the same pool).
 */
import bcrypt from 'bcrypt';
import type { PasswordService } from '../core/procedure';

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

/** PHP writes `$2y$`; it is the same algorithm as `$2b$`, which the native binding understands. */
function normalise(hash: string): string {
  return hash.startsWith('$2y$') ? `$2b$${hash.slice(4)}` : hash;
}

export function createPasswordService(options: { cost: number; concurrency: number }): PasswordService {
  const semaphore = new Semaphore(options.concurrency);
  return {
    hash: (plain) => semaphore.run(() => bcrypt.hash(plain, options.cost)),
    async verify(plain, hash) {
      if (!/^\$2[aby]\$\d\d\$/.test(hash)) return false;
      return semaphore.run(() => bcrypt.compare(plain, normalise(hash)));
    },
  };
}
