/**
 * Hostile input fuzzing (issue 8, item 1): FUZZ_COUNT generated requests (default 800; `npm run
 * fuzz` sends 10,000) across /jsonrpc.php, /rpc, OCS and nmcuser_oidc, from FUZZ_SEED (default
 * fixed, so CI is repeatable), against the in-process app on a fresh database with a fixture of
 * users, groups, projects, an app password and OIDC users. Asserted for every request: the process
 * does not crash (no uncaught exception or unhandled rejection), no 5xx except a deliberate 503 (and
 * the two 500s the OCS contract sets on v2: 999, and 996 for a body that is not JSON), no
 * internal-error answer or error log, no stack trace, SQL or HTML in any answer, and the database
 * is unchanged by every rejected request and by every accepted one that reaches only reading
 * procedures. Every fourth request is a sweep case (./sweep.ts). FUZZ_ONLY=3,17 replays single
 * requests.
 */
import { registry } from '../../procedures';
import { API_TOKEN, startTestApp, type TestApp } from '../helpers/app';
import { listen, type Listening } from '../helpers/rawHttp';
import { databaseDigester } from './digest';
import { basic, buildFixture, fastPasswords, type Fixture } from './fixture';
import { describeFindings, runFuzz } from './runner';
import { exchange } from './wire';

const SEED = process.env.FUZZ_SEED || 'roster-fuzz-1';
const COUNT = Number(process.env.FUZZ_COUNT || 800);
const ONLY = process.env.FUZZ_ONLY ? process.env.FUZZ_ONLY.split(',').map(Number) : undefined;

let t: TestApp;
let server: Listening;
let fixture: Fixture;
const crashes: string[] = [];
const recordCrash = (kind: string) => (error: unknown) => crashes.push(`${kind}: ${error instanceof Error ? error.stack : String(error)}`);
const onException = recordCrash('uncaughtException');
const onRejection = recordCrash('unhandledRejection');

beforeAll(async () => {
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  t = await startTestApp({
    env: { OIDC_PROVIDERS: 'Telekom,o2', BRUTEFORCE_LOCKDOWN: '1000', API_AUTH_HEADER: 'X-API-Auth', LOG_LEVEL: 'info' },
    passwords: fastPasswords,
  });
  fixture = await buildFixture(t);
  server = await listen(t.app);
}, 120_000);

afterAll(async () => {
  process.off('uncaughtException', onException);
  process.off('unhandledRejection', onRejection);
  await server?.close();
  await t?.close();
});

/** null when the app answers its health probe and a JSON-RPC call; else what went wrong. */
async function healthy(): Promise<string | null> {
  const probe = await exchange(server.port, Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 10_000);
  if (probe.answer.status !== 200) return `GET /healthz answered ${probe.answer.status}`;
  const body = '{"jsonrpc":"2.0","method":"getVersion","id":1}';
  const head = `POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: ${basic('jsonrpc', API_TOKEN)}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  const call = await exchange(server.port, Buffer.from(head + body), 10_000);
  return /"result":"[^"]+"/.test(call.answer.body.toString()) ? null : `getVersion answered ${call.answer.status} ${call.answer.body.toString().slice(0, 200)}`;
}

test(
  `${ONLY ? `requests ${ONLY.join(',')}` : `${COUNT} hostile requests`} (FUZZ_SEED=${SEED}): no crash, no 5xx, no leak, no write by a rejected request`,
  async () => {
    const report = await runFuzz({
      seed: SEED,
      count: COUNT,
      only: ONLY,
      port: server.port,
      fixture,
      registry,
      digest: await databaseDigester(t.knex),
      logs: t.logs,
      healthy,
    });
    console.log(`fuzz FUZZ_SEED=${SEED}: ${JSON.stringify({ sent: report.sent, bySurface: report.bySurface, byOutcome: report.byOutcome, dataChanges: report.dataChanges, timings: report.timings, findings: report.findings.length })}`);
    expect(crashes).toEqual([]);
    if (report.findings.length > 0) throw new Error(describeFindings(SEED, COUNT, report.findings));
    expect(report.sent).toBe(ONLY ? ONLY.length : COUNT);
    if (!ONLY && COUNT >= 400) {
      // every surface got its share, and the run reached both sides of the write check
      for (const surface of ['jsonrpc', 'rpc', 'ocs', 'nmcuser_oidc'] as const) expect(report.bySurface[surface]).toBeGreaterThan(COUNT / 10);
      expect(report.byOutcome.rejected).toBeGreaterThan(COUNT / 4);
      expect(report.dataChanges).toBeGreaterThan(0);
    }
  },
  Math.max(120_000, COUNT * 200),
);
