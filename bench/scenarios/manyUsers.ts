/**
 * P4: with 100,000 users, (a) getAllUsers returns every user and Roster's peak RSS (VmHWM of a
 * freshly started process, read after the answer) stays ≤ 300 MB; (b) 100-row searchUsers pages,
 * walked with next_cursor by one sequential client, have p50 ≤ 10 ms.
 */
import { APP_TOKEN_AUTH, progress, type BenchContext } from '../context';
import { fmtMs, percentile, rpcBody } from '../load';
import { countUsers, withClient } from '../seed';
import { procStatusBytes, startRoster } from '../servers';
import { judge, TARGET_USERS, THRESHOLDS, type ScenarioReport, type TargetResult } from '../targets';

/** The search: a substring that about 11 % of the seeded users match (user1, user10…, user1xxxx …). */
export const SEARCH_QUERY = 'user1';
export const PAGE_SIZE = 100;

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(origin: string, body: string): Promise<{ ms: number; text: string }> {
  const started = performance.now();
  const res = await fetch(`${origin}/jsonrpc.php`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: APP_TOKEN_AUTH }, body });
  const text = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
  return { ms, text };
}

export async function runManyUsers(ctx: BenchContext): Promise<ScenarioReport> {
  const { options } = ctx;
  const db = await ctx.seededDatabase();
  const inTable = await withClient(db.url, countUsers);
  // a process of its own, so its peak RSS is its start plus what P4 asks of it
  const roster = await startRoster({ databaseUrl: db.url }, options.pool);
  try {
    const rssAtStart = procStatusBytes(roster.pid, 'VmRSS');
    progress(`P4: getAllUsers on ${inTable} users …`);
    const all = await post(roster.origin, rpcBody('getAllUsers'));
    const parsed = JSON.parse(all.text) as { result?: unknown[]; error?: unknown };
    if (!Array.isArray(parsed.result)) throw new Error(`getAllUsers answered ${all.text.slice(0, 300)}`);
    await sleep(200);
    const peak = procStatusBytes(roster.pid, 'VmHWM');
    const rssAfter = procStatusBytes(roster.pid, 'VmRSS');
    const returned = parsed.result.length;
    progress(`  getAllUsers: ${returned} users, ${(all.text.length / MB).toFixed(1)} MB of JSON in ${fmtMs(all.ms)} ms; peak RSS ${peak === undefined ? 'n/a' : `${(peak / MB).toFixed(0)} MB`}`);

    const pages = options.quick ? 50 : 200;
    progress(`P4: searchUsers("${SEARCH_QUERY}", limit ${PAGE_SIZE}): ${pages} pages walked with next_cursor …`);
    const times: number[] = [];
    let cursor: string | null = null;
    let walked = 0;
    for (let i = 0; times.length < pages; i++) {
      const params: Record<string, unknown> = { query: SEARCH_QUERY, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) };
      const page = await post(roster.origin, rpcBody('searchUsers', params));
      const answer = JSON.parse(page.text) as { result?: { items: unknown[]; next_cursor: string | null }; error?: unknown };
      if (!answer.result) throw new Error(`searchUsers answered ${page.text.slice(0, 300)}`);
      cursor = answer.result.next_cursor;
      if (cursor === null) walked++;
      // the first 20 requests warm up; only full pages count
      if (i >= 20 && answer.result.items.length === PAGE_SIZE) times.push(page.ms);
      if (i > pages * 3 + 100) throw new Error(`searchUsers("${SEARCH_QUERY}") returns too few full pages (are the users seeded?)`);
    }
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 50);
    const p99 = percentile(times, 99);
    progress(`  searchUsers page: p50 ${fmtMs(p50)} ms, p99 ${fmtMs(p99)} ms`);

    const reduced = inTable < TARGET_USERS ? `measured with ${inTable} users; the target is defined at ${TARGET_USERS}` : undefined;
    const targets: TargetResult[] = [
      judge({
        id: 'P4 search',
        target: 'P4',
        what: `searchUsers, ${PAGE_SIZE}-row page ("${SEARCH_QUERY}", keyset walk): p50`,
        measured: p50,
        unit: 'ms',
        comparator: '<=',
        threshold: THRESHOLDS.P4_SEARCH_P50_MS,
        detail: `p99 ${fmtMs(p99)} ms over ${times.length} pages`,
        note: reduced,
      }),
      judge({
        id: 'P4 getAllUsers',
        target: 'P4',
        what: 'getAllUsers returns every user: peak RSS of the Roster process',
        measured: returned === inTable && peak !== undefined ? peak / MB : Number.NaN,
        unit: 'MB',
        comparator: '<=',
        threshold: THRESHOLDS.P4_PEAK_RSS_MB,
        detail: `${returned} of ${inTable} users in ${(all.ms / 1000).toFixed(2)} s`,
        note:
          returned !== inTable
            ? `getAllUsers returned ${returned} of ${inTable} users`
            : peak === undefined
              ? 'peak RSS not available (no /proc/<pid>/status)'
              : reduced,
      }),
    ];
    const mb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / MB).toFixed(0)} MB`);
    const md = [
      '### Many users (P4)',
      '',
      `${inTable} users in the table. A freshly started Roster answered getAllUsers with ${returned} users ` +
        `(${(all.text.length / MB).toFixed(1)} MB of JSON) in ${(all.ms / 1000).toFixed(2)} s; RSS at start ${mb(rssAtStart)}, ` +
        `peak (VmHWM) ${mb(peak)}, after ${mb(rssAfter)} (MB = 1024² bytes).`,
      '',
      `searchUsers \`{"query":"${SEARCH_QUERY}","limit":${PAGE_SIZE}}\` walked page by page with \`next_cursor\` (to the last page ${walked} time${walked === 1 ? '' : 's'}), ` +
        `one client, after 20 warm-up requests: p50 ${fmtMs(p50)} ms, p99 ${fmtMs(p99)} ms over ${times.length} full pages.`,
    ].join('\n');
    return {
      targets,
      markdown: [md],
      data: { users: inTable, getAllUsers: { returned, ms: all.ms, jsonBytes: all.text.length, rssAtStart, peakRss: peak, rssAfter }, search: { query: SEARCH_QUERY, limit: PAGE_SIZE, pages: times.length, p50, p99 } },
    };
  } finally {
    await roster.stop();
  }
}
