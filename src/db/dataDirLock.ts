/**
 * An exclusive lock file in the embedded database's data directory, so a second Roster process on
 * the same DATA_DIR refuses to start instead of corrupting PGlite's files. The file holds the
 * owner's pid; a lock left by a process that no longer runs is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';

export class DataDirLockedError extends Error {}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dir: string): DataDirLock {
  const file = path.join(dir, 'roster.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return {
        release() {
          try {
            if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processIsAlive(owner)) {
        throw new DataDirLockedError(
          `The embedded database in ${dir} is in use by another Roster process (pid ${owner}). ` +
            'Stop it, or give this process another DATA_DIR, or use DATABASE_URL for several instances.',
        );
      }
      fs.unlinkSync(file); // stale: its process is gone
    }
  }
  throw new DataDirLockedError(`Could not lock ${file}`);
}
