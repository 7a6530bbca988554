/** GET /nmcusers/{provider} (nmcuser-oidc §6.1; §11 case 16): scope, pattern, order, paging after filtering. */
import type { TestApp } from '../helpers/app';
import { createOidc, createProvider, expectMessage, expectOk, oidc, sha256Hex, startOidcApp } from '../helpers/nmcuserOidc';

interface Fixture {
  username: string;
  displayname: string;
  email?: string;
}

const SUBJECT = `subjectneedle-${'s'.repeat(60)}`; // > 64 bytes: id is its hash
const TELEKOM: Fixture[] = [
  { username: '120049010000000006612061', displayname: 'User, Test' },
  { username: '120049010000000006612062', displayname: 'User, Test' },
  { username: '120049010000000000610001', displayname: 'Zero' },
  { username: 'b2', displayname: 'bee two' },
  { username: 'B1', displayname: 'Bee one' },
  { username: 'a', displayname: 'lower a' },
  { username: 'A', displayname: 'upper a' },
  { username: 'ä', displayname: 'umlaut' },
  { username: 'Zed', displayname: 'zed' },
  { username: '_x', displayname: 'underscore' },
  { username: '100%', displayname: 'percent' },
  { username: 'x_y', displayname: 'under' },
  { username: 'back\\slash', displayname: 'backslash' },
  { username: 'named', displayname: 'Has NameNeedle' },
  { username: 'mailer', displayname: 'm', email: 'mailneedle@example.org' },
  { username: SUBJECT, displayname: 'long subject' },
  { username: 'josé', displayname: 'José Ñandú' },
];
const O2: Fixture[] = [
  { username: 'o2-only', displayname: 'NameNeedle too' },
  { username: 'a-o2', displayname: 'x', email: 'mailneedle@o2.example' },
];

const idOf = (username: string) => (Buffer.byteLength(username) > 64 ? sha256Hex(username) : username);
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
/** §6.1 order: lower(username) COLLATE "C", then username COLLATE "C" (byte order). */
const byFoldedUsername = (a: string, b: string) => Buffer.compare(Buffer.from(asciiLower(a)), Buffer.from(asciiLower(b))) || Buffer.compare(Buffer.from(a), Buffer.from(b));

/** What the list should answer, computed from the fixtures. */
function expected(fixtures: Fixture[], pattern = '', offset = 0, limit?: number): string[] {
  const needle = pattern.toLowerCase();
  const matching = fixtures.filter((f) => needle === '' || [idOf(f.username), f.username, f.displayname, f.email ?? ''].some((v) => v.toLowerCase().includes(needle)));
  const ids = matching.map((f) => idOf(f.username)).sort(byFoldedUsername);
  return ids.slice(offset, limit === undefined ? undefined : offset + limit);
}

let t: TestApp;
const ALL = () => expected(TELEKOM);
beforeAll(async () => {
  t = await startOidcApp();
  expect(await createProvider(t, 'o2')).toBe(2);
  for (const f of TELEKOM) await createOidc(t, { ...f });
  for (const f of O2) await createOidc(t, { ...f }, 'o2');
  // local users that match every pattern below never appear
  await t.createUser('needle-local', 'needle-secret-1', { name: 'NameNeedle', email: 'mailneedle@local.example' });
});
afterAll(() => t.close());

const list = (query: string, provider = 'telekom') => oidc(t, 'GET', `nmcusers/${provider}${query}`);

test('the fixture order is the §6.1 order and has the interesting neighbours', () => {
  const all = ALL();
  expect(all.slice(0, 4)).toEqual(['100%', '120049010000000000610001', '120049010000000006612061', '120049010000000006612062']);
  expect(all.indexOf('A')).toBe(all.indexOf('a') - 1);
  expect(all.indexOf('B1')).toBeLessThan(all.indexOf('b2'));
  expect(all.at(-1)).toBe('ä');
});

describe('scope and order', () => {
  test('only this provider\'s users, in lower(username) then byte order', async () => {
    expectOk(await list(''), ALL());
    expectOk(await list('/'), ALL());
    expectOk(await list('', 'o2'), ['a-o2', 'o2-only']);
    expectOk(await list('', '2'), ['a-o2', 'o2-only']);
    for (const id of ['admin', 'plain', 'local1', 'needle-local', 'o2-only']) expect(ALL()).not.toContain(id);
  });

  test('a provider without users → []', async () => {
    await createProvider(t, 'empty.one');
    expectOk(await list('', 'EMPTY.ONE'), []);
  });

  test('unknown provider → 404', async () => {
    expectMessage(await list('?pattern=x', 'o3'), 404, 'No oidc provider o3');
  });
});

describe('pattern', () => {
  test.each([
    ['0061', 'id'],
    ['ZED', 'id, ignoring case'],
    ['subjectneedle', 'oidc_subject (hashed id)'],
    ['nameneedle', 'name'],
    ['MAILNEEDLE', 'email'],
    ['%', 'literal %'],
    ['_', 'literal _'],
    ['\\', 'literal backslash'],
    ['user, test', 'name with a comma'],
    ['nothing-matches-this', 'no match'],
    ['a', 'a single letter'],
  ])('pattern %j matches %s', async (pattern) => {
    const want = expected(TELEKOM, pattern);
    expectOk(await list(`?pattern=${encodeURIComponent(pattern)}`), want);
    expectOk(await list(`?pattern=${encodeURIComponent(pattern)}`, 'o2'), expected(O2, pattern));
  });

  test('the literal wildcards really are literal', async () => {
    expectOk(await list('?pattern=%25'), ['100%']);
    expectOk(await list('?pattern=_'), ['_x', 'x_y']);
    expectOk(await list('?pattern=%5C'), ['back\\slash']);
    expectOk(await list('?pattern=0061'), ['120049010000000000610001']);
    expectOk(await list('?pattern=subjectneedle'), [sha256Hex(SUBJECT)]);
  });

  test('case-insensitive beyond ASCII: JOSÉ and ÑANDÚ find José Ñandú', async () => {
    expectOk(await list(`?pattern=${encodeURIComponent('JOSÉ')}`), ['josé']);
    expectOk(await list(`?pattern=${encodeURIComponent('ñANDÚ')}`), ['josé']);
  });

  test('an empty pattern lists all', async () => {
    expectOk(await list('?pattern='), ALL());
  });
});

describe('paging after filtering (§11 case 16)', () => {
  test('?limit=1&offset=1 is the second user; every page but the last is full, no duplicates', async () => {
    expectOk(await list('?limit=1&offset=1'), ALL().slice(1, 2));
    for (const size of [1, 3, 5]) {
      const pages: string[] = [];
      for (let offset = 0; offset < ALL().length + size; offset += size) {
        const page = (await list(`?limit=${size}&offset=${offset}`)).body as string[];
        expect(page).toEqual(ALL().slice(offset, offset + size));
        pages.push(...page);
      }
      expect(pages).toEqual(ALL());
    }
  });

  test('the pattern filters before paging', async () => {
    const matches = expected(TELEKOM, 'a');
    expect(matches.length).toBeGreaterThan(3);
    expectOk(await list('?pattern=a&limit=2&offset=1'), matches.slice(1, 3));
    expectOk(await list('?pattern=a&offset=2'), matches.slice(2));
    expectOk(await list('?pattern=_&limit=1&offset=1'), ['x_y']);
    expectOk(await list('?pattern=1200&limit=2'), expected(TELEKOM, '1200', 0, 2));
  });

  test('limit=0 → []; offset past the end → []; no limit → all', async () => {
    expectOk(await list('?limit=0'), []);
    expectOk(await list('?limit=0&offset=0&pattern=a'), []);
    expectOk(await list('?offset=1000'), []);
    expectOk(await list('?offset=3'), ALL().slice(3));
    expectOk(await list('?limit=1000'), ALL());
    expectOk(await list('?limit=99999999999999999999'), ALL());
  });

  test.each(['abc', '-1', '1.5', '', ' 2', '0x2', '+2'])('limit=%j and offset=%j (not decimal digits) are ignored', async (value) => {
    expectOk(await list(`?limit=${encodeURIComponent(value)}`), ALL());
    expectOk(await list(`?offset=${encodeURIComponent(value)}&limit=2`), ALL().slice(0, 2));
  });

  test('paging fields in a GET body are not read; the query string is', async () => {
    expectOk(await oidc(t, 'GET', 'nmcusers/telekom?limit=2', { json: { limit: '1', offset: '1' } }), ALL().slice(0, 2));
  });
});
