/** `npm run migrate`: applies pending migrations (or `-- --rollback` reverts them all) and exits. */
import { ConfigError, loadConfig } from './config';
import { migrateLatest, migrateRollback, openDatabase } from './db/database';

const USAGE = 'usage: npm run migrate [-- --rollback --yes]\n  --rollback --yes  revert every migration (drops all Roster data)\n';

async function run(): Promise<void> {
  const args = process.argv.slice(2);
  const rollback = args.includes('--rollback');
  if (args.includes('--help') || args.some((a) => !['--rollback', '--yes'].includes(a)) || (args.includes('--yes') && !rollback)) {
    process.stderr.write(USAGE);
    process.exit(args.includes('--help') ? 0 : 2);
  }
  if (rollback && !args.includes('--yes')) {
    process.stderr.write('Refusing to roll back: it drops every table and all Roster data. Add --yes to confirm.\n');
    process.exit(2);
  }
  const config = loadConfig();
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  try {
    if (rollback) {
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
  process.exit(error instanceof ConfigError ? 2 : 1);
});
