/**
 * GET /metrics (issue #6 part 5): Prometheus text with request counters by surface, route and
 * outcome, the duration histogram, refused credentials, database pool gauges and Node's default
 * metrics; one registry per app; bounded labels; optional METRICS_TOKEN.
 */
import request from 'supertest';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app';

const OIDC = '/apps/nmcuser_oidc/api/1.1';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format (samples only; # lines skipped). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(app: TestApp, token?: string): Promise<{ text: string; samples: Sample[] }> {
  let req = request(app.app).get('/metrics');
  if (token) req = req.set('Authorization', `Bearer ${token}`);
  const res = await req;
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return { text: res.text, samples: parseMetrics(res.text) };
}

/** The value of the one sample with this name and exactly these labels (0 when absent). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()));
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.value ?? 0;
}

const requests = (samples: Sample[], surface: string, route: string, outcome: string) => valueOf(samples, 'roster_http_requests_total', { surface, route, outcome });

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { OIDC_PROVIDERS: 'Telekom' } });
  await t.createUser('metrics-user', 'Metrics-passw0rd');
});
afterAll(() => t.close());

describe('after calls on every surface', () => {
  let samples: Sample[];
  let text: string;
  beforeAll(async () => {
    await t.rpc('/rpc', 'getVersion');
    await t.rpc('/rpc', 'getVersion');
    await t.rpc('/jsonrpc.php', 'getVersion');
    await t.rpc('/jsonrpc.php', 'someUnregisteredMethodName');
    await t.call('/rpc', [{ jsonrpc: '2.0', method: 'getVersion', id: 1 }, { jsonrpc: '2.0', method: 'getTimezone', id: 2 }]);
    await t.rpc('/rpc', 'getMe', undefined, ['metrics-user', 'wrong-secret']);
    await t.rpc('/rpc', 'getMe', undefined, 'none'); // no credentials: not an auth failure
    await request(t.app).get('/ocs/v2.php/cloud/users/metrics-user').auth(ADMIN.username, ADMIN.password).set('OCS-APIRequest', 'true');
    await request(t.app).get('/ocs/v1.php/cloud/users/metrics-user').auth(ADMIN.username, 'wrong-secret').set('OCS-APIRequest', 'true');
    await request(t.app).get(`${OIDC}/nmcusers/telekom`).auth(ADMIN.username, ADMIN.password);
    await request(t.app).get(`${OIDC}/nmcusers/telekom`).auth(ADMIN.username, 'wrong-secret');
    await request(t.app).get('/healthz');
    await request(t.app).get('/no/such/path/for-metrics');
    ({ samples, text } = await scrape(t));
  });

  test('roster_http_requests_total by surface, route pattern or procedure, outcome', () => {
    expect(requests(samples, 'rpc', 'getVersion', 'ok')).toBe(2);
    expect(requests(samples, 'jsonrpc', 'getVersion', 'ok')).toBe(1);
    expect(requests(samples, 'jsonrpc', 'unknown', 'client_error')).toBe(1);
    expect(requests(samples, 'rpc', 'batch', 'ok')).toBe(1);
    expect(requests(samples, 'rpc', 'getMe', 'client_error')).toBe(2);
    expect(requests(samples, 'ocs', 'GET users/{userid}', 'ok')).toBe(1);
    expect(requests(samples, 'ocs', 'unknown', 'client_error')).toBe(1); // refused before routing
    expect(requests(samples, 'nmcuser_oidc', 'GET nmcusers/{provider}', 'ok')).toBe(1);
    expect(requests(samples, 'nmcuser_oidc', 'GET nmcusers/{provider}', 'client_error')).toBe(1);
    expect(requests(samples, 'other', 'GET /healthz', 'ok')).toBe(1);
    expect(requests(samples, 'other', 'unmatched', 'client_error')).toBe(1);
  });

  test('labels are bounded: no raw paths, user ids or unregistered method names', () => {
    const labelValues = samples.flatMap((s) => Object.values(s.labels));
    for (const raw of ['metrics-user', 'someUnregisteredMethodName', '/no/such/path/for-metrics', 'telekom', 'wrong-secret', ADMIN.password]) {
      expect(labelValues).not.toContain(raw);
      expect(text).not.toContain(raw);
    }
    const surfaces = new Set(samples.filter((s) => s.name === 'roster_http_requests_total').map((s) => s.labels.surface));
    for (const surface of surfaces) expect(['jsonrpc', 'rpc', 'ocs', 'nmcuser_oidc', 'other']).toContain(surface);
    const outcomes = new Set(samples.filter((s) => s.name === 'roster_http_requests_total').map((s) => s.labels.outcome));
    for (const outcome of outcomes) expect(['ok', 'client_error', 'server_error', 'aborted']).toContain(outcome);
  });

  test('roster_auth_failures_total counts credentials sent and refused, per surface', () => {
    expect(valueOf(samples, 'roster_auth_failures_total', { surface: 'rpc' })).toBe(1);
    expect(valueOf(samples, 'roster_auth_failures_total', { surface: 'ocs' })).toBe(1);
    expect(valueOf(samples, 'roster_auth_failures_total', { surface: 'nmcuser_oidc' })).toBe(1);
    expect(samples.some((s) => s.name === 'roster_auth_failures_total' && s.labels.surface === 'jsonrpc')).toBe(true);
    expect(valueOf(samples, 'roster_auth_failures_total', { surface: 'jsonrpc' })).toBe(0);
  });

  test('roster_http_request_duration_seconds is a histogram by surface', () => {
    expect(text).toContain('# TYPE roster_http_request_duration_seconds histogram');
    const count = valueOf(samples, 'roster_http_request_duration_seconds_count', { surface: 'rpc' });
    expect(count).toBe(6);
    expect(valueOf(samples, 'roster_http_request_duration_seconds_bucket', { surface: 'rpc', le: '+Inf' })).toBe(count);
    expect(valueOf(samples, 'roster_http_request_duration_seconds_sum', { surface: 'rpc' })).toBeGreaterThan(0);
    const buckets = samples.filter((s) => s.name === 'roster_http_request_duration_seconds_bucket' && s.labels.surface === 'ocs');
    expect(buckets.length).toBeGreaterThan(5);
    expect(Object.keys(buckets[0].labels).sort()).toEqual(['le', 'surface']);
  });

  test('database pool gauges', () => {
    const max = valueOf(samples, 'roster_db_pool_max_connections');
    expect(max).toBe(t.db.kind === 'pglite' ? 1 : 10);
    const used = valueOf(samples, 'roster_db_pool_used_connections');
    const free = valueOf(samples, 'roster_db_pool_free_connections');
    expect(used + free).toBeGreaterThanOrEqual(t.db.kind === 'pglite' ? 1 : 0);
    expect(used + free).toBeLessThanOrEqual(max);
    expect(valueOf(samples, 'roster_db_pool_pending_acquires')).toBe(0);
    for (const name of ['used_connections', 'free_connections', 'pending_acquires', 'pending_creates', 'max_connections']) {
      expect(text).toContain(`# TYPE roster_db_pool_${name} gauge`);
    }
  });

  test('Node default metrics, under their usual names', () => {
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_version_info']) {
      expect(samples.some((s) => s.name === name)).toBe(true);
    }
    // each series once
    const names = text.split('\n').filter((line) => line.startsWith('# TYPE ')).map((line) => line.split(' ')[2]);
    expect(new Set(names).size).toBe(names.length);
  });
});

test('scrapes are counted too, and need no credentials by default', async () => {
  await scrape(t);
  const { samples } = await scrape(t);
  expect(requests(samples, 'other', 'GET /metrics', 'ok')).toBeGreaterThanOrEqual(1);
});

test('two apps in one process do not share counters', async () => {
  const other = await startTestApp({ db: t.db });
  try {
    const before = (await scrape(t)).samples;
    await other.rpc('/rpc', 'getTimezone');
    await other.rpc('/rpc', 'getTimezone');
    await other.rpc('/rpc', 'getMe', undefined, ['metrics-user', 'wrong-again']);
    const mine = (await scrape(t)).samples;
    const theirs = (await scrape(other)).samples;
    expect(requests(theirs, 'rpc', 'getTimezone', 'ok')).toBe(2);
    expect(requests(theirs, 'rpc', 'getVersion', 'ok')).toBe(0);
    expect(valueOf(theirs, 'roster_auth_failures_total', { surface: 'rpc' })).toBe(1);
    expect(requests(mine, 'rpc', 'getTimezone', 'ok')).toBe(requests(before, 'rpc', 'getTimezone', 'ok'));
    expect(valueOf(mine, 'roster_auth_failures_total', { surface: 'rpc' })).toBe(valueOf(before, 'roster_auth_failures_total', { surface: 'rpc' }));
    // the process metrics are the process's: both apps report them
    expect(theirs.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
  } finally {
    await other.close();
  }
});

test('server errors inside a 200 count as server_error', async () => {
  const broken = await startTestApp();
  try {
    await broken.db.close();
    await broken.rpc('/jsonrpc.php', 'getMe', undefined, [ADMIN.username, ADMIN.password]);
    await request(broken.app).get('/readyz');
    const { samples } = await scrape(broken);
    expect(requests(samples, 'jsonrpc', 'getMe', 'server_error')).toBe(1);
    expect(requests(samples, 'other', 'GET /readyz', 'server_error')).toBe(1);
    // the pool of a closed database reads as empty, the scrape still answers
    expect(valueOf(samples, 'roster_db_pool_used_connections')).toBe(0);
  } finally {
    await broken.close().catch(() => undefined);
  }
});

test('METRICS_TOKEN: GET /metrics needs the bearer token', async () => {
  const token = 'metrics-token-0123456789abcdef';
  const guarded = await startTestApp({ db: t.db, env: { METRICS_TOKEN: token } });
  try {
    const none = await request(guarded.app).get('/metrics');
    expect([none.status, none.headers['www-authenticate'], none.body]).toEqual([401, 'Bearer realm="metrics"', { message: 'Unauthorized' }]);
    expect((await request(guarded.app).get('/metrics').set('Authorization', `Bearer ${token}x`)).status).toBe(401);
    expect((await request(guarded.app).get('/metrics').auth(ADMIN.username, ADMIN.password)).status).toBe(401);
    const { samples } = await scrape(guarded, token);
    expect(requests(samples, 'other', 'GET /metrics', 'client_error')).toBe(3);
    expect(guarded.logs.join('\n')).not.toContain(token);
  } finally {
    await guarded.close();
  }
});
