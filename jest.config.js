/**
 * Two projects run the same suite: on embedded PGlite (always) and on a real Postgres (a fresh
 * database per test file) when TEST_DATABASE_URL or 127.0.0.1:5432 answers. In CI, Postgres is
 * required.
 */
const { Client } = require('pg');

const POSTGRES_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresAnswers() {
  const client = new Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Test files that open no database (pure functions, the mailer, file parsing): run once, not per database. */
const DATABASE_FREE_TESTS = ['/test/unit/', '/test/mail/', '/test/ldap/settings\\.test\\.ts$', '/test/import/(validateRow|readRows|progress)\\.test\\.ts$'];

const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
};

module.exports = async () => {
  // Process tests start their own service: the embedded one in the pglite project, the Postgres one
  // in the postgres project (several instances on one database only there).
  const projects = [
    { ...base, displayName: 'pglite', globals: { ROSTER_TEST_DB: 'pglite' }, testPathIgnorePatterns: ['/test/process/postgres\\.test\\.ts$', '/test/process/instances\\.test\\.ts$', '/test/process/dbOutage\\.test\\.ts$'] },
  ];
  if (await postgresAnswers()) {
    projects.push({
      ...base,
      displayName: 'postgres',
      globals: { ROSTER_TEST_DB: 'postgres', ROSTER_TEST_POSTGRES_URL: POSTGRES_URL },
      testPathIgnorePatterns: [
        '/test/process/embedded\\.test\\.ts$',
        '/test/process/cli\\.',
        '/test/process/crashSafety\\.test\\.ts$',
        // no database at all: one run (in the pglite project) says everything
        ...DATABASE_FREE_TESTS,
      ],
    });
  } else if (process.env.CI) {
    throw new Error(`CI requires Postgres for the test suite, but ${POSTGRES_URL} does not answer`);
  } else {
    console.warn(`Postgres at ${POSTGRES_URL} does not answer: running the suite on PGlite only.`);
  }
  // A worker whose heap has grown past workerIdleMemoryLimit after a test file is replaced by a new
  // one: every file leaves some memory behind (its modules, PGlite's buffers), and a worker that
  // keeps growing spends more and more CPU on garbage collection (its concurrent marking threads
  // compete with the tests on a 2-core machine).
  return { projects, testTimeout: 30000, maxWorkers: process.env.CI ? 2 : '50%', workerIdleMemoryLimit: '512MB' };
};
