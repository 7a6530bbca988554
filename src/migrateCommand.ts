/** `npm run migrate`: applies pending migrations (or `-- --rollback` reverts them all) and exits. */
import { ConfigError, loadConfig } from './config';
import { migrateLatest, migrateRollback, openDatabase } from './db/database';

async function run(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  try {
    if (process.argv.includes('--rollback')) {
      const reverted = await migrateRollback(db.knex);
      process.stdout.write(reverted.length ? `Reverted: ${reverted.join(', ')}\n` : 'Nothing to revert.\n');
    } else {
      const applied = await migrateLatest(db.knex);
      process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Already up to date.\n');
    }
  } finally {
    await db.close();
  }
}

run().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`}\n`);
  process.exit(1);
});
