/**
 * Page sizes on the OCS list endpoints (ocs-provisioning §5.4, §3.2 item 6): OCS has no page-size
 * cap — no `limit` returns every remaining row — so a huge `limit` (100000, or beyond 2³¹−1, which
 * the adapter clamps) is the whole list, never an error; a small one still pages.
 */
import { startTestApp, type TestApp } from '../helpers/app';
import { createOcsUser, ocsJson, seedOcsFixtures } from '../helpers/ocs';

const LISTS = ['users', 'users/details', 'groups', 'groups/details', 'groups/team/users/details'] as const;
const HUGE = ['100000', '2147483647', '2147483648', '99999999999999999999'];

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedOcsFixtures(t);
  for (let i = 0; i < 4; i += 1) await createOcsUser(t, { userid: `extra${i}`, groups: ['team'] });
}, 60_000);
afterAll(() => t.close());

/** The names in a list answer: ids of `users`/`groups` lists, keys or ids of the details lists. */
function names(data: unknown): string[] {
  const list = (data as { users?: unknown; groups?: unknown }).users ?? (data as { groups?: unknown }).groups;
  if (Array.isArray(list)) return list.map((item) => (typeof item === 'string' ? item : (item as { id: string }).id));
  return Object.keys(list as object);
}

describe.each([1, 2] as const)('v%i', (version) => {
  test.each(LISTS)('GET /%s: a huge limit is the whole list; limit=2 is a page of 2', async (path) => {
    const whole = await ocsJson(t, 'GET', version, path);
    expect(whole.statuscode).toBe(version === 1 ? 100 : 200);
    const all = names(whole.data);
    expect(all.length).toBeGreaterThan(2);
    for (const limit of HUGE) {
      const answer = await ocsJson(t, 'GET', version, `${path}?limit=${limit}`);
      expect({ limit, http: answer.status, names: names(answer.data) }).toEqual({ limit, http: 200, names: all });
    }
    expect(names((await ocsJson(t, 'GET', version, `${path}?limit=2&offset=1`)).data)).toEqual(all.slice(1, 3));
  });
});
