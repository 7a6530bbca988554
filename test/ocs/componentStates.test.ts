/**
 * Component states remembered per instance (src/componentStates.ts; OCS apps §8.2 "at once"): one
 * database read per component per TTL, counted from when the read began; reads in flight are
 * shared; a failed read is not remembered; this instance forgets at once after its own change; and
 * the call that changes a state answers only once the TTL has run out after its commit, so that no
 * instance can still answer from the old state (two instances on one database: test/ocs/apps.test.ts).
 */
import type { AnyProcedure } from '../../src/core/procedure';
import type { Dispatcher } from '../../src/core/dispatcher';
import { COMPONENT_STATE_TTL_MS, createComponentStates, settlingComponentChanges } from '../../src/componentStates';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const TTL = COMPONENT_STATE_TTL_MS;
let db: TestDatabase;
let stateReads = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  db.knex.on('query', (query: { sql: string }) => {
    if (/^select .* from "app_state"/i.test(query.sql)) stateReads += 1;
  });
});
afterAll(() => db.close());
beforeEach(async () => {
  await db.knex('app_state').del();
  stateReads = 0;
});

/** The memory with a clock the test moves. */
function remembered() {
  let now = 1000;
  const states = createComponentStates(db.knex, TTL, () => now);
  return { states, at: (ms: number) => void (now = 1000 + ms) };
}

const disable = (id: string) => db.knex('app_state').insert({ app_id: id, enabled: false, updated_at: 0 });

test('one read per component and TTL, counted from the start of the read; then the database again', async () => {
  const { states, at } = remembered();
  expect(await states.isEnabled('jsonrpc')).toBe(true);
  expect(stateReads).toBe(1);
  at(TTL - 1);
  expect(states.isEnabled('jsonrpc')).toBe(true); // answered from memory, no promise
  expect(await states.isEnabled('nmcuser_oidc')).toBe(true); // each component has its own entry
  expect(stateReads).toBe(2);
  await disable('jsonrpc'); // by hand, behind the service's back: seen once the TTL has run out
  expect(states.isEnabled('jsonrpc')).toBe(true);
  at(TTL);
  const read = states.isEnabled('jsonrpc');
  expect(read).toBeInstanceOf(Promise);
  expect(await read).toBe(false);
  expect(states.isEnabled('jsonrpc')).toBe(false);
  expect(stateReads).toBe(3);
});

test('requests arriving while a read is in flight share it', async () => {
  const { states } = remembered();
  const first = states.isEnabled('mail');
  const second = states.isEnabled('mail');
  expect(second).toBe(first);
  expect(await Promise.all([first, second])).toEqual([true, true]);
  expect(stateReads).toBe(1);
});

test('forget(): the next request reads the database', async () => {
  const { states } = remembered();
  expect(await states.isEnabled('jsonrpc')).toBe(true);
  await disable('jsonrpc');
  states.forget();
  expect(await states.isEnabled('jsonrpc')).toBe(false);
  expect(stateReads).toBe(2);
});

test('a failed read is not remembered: the next request reads again', async () => {
  const { states } = remembered();
  await db.knex.raw('ALTER TABLE app_state RENAME TO app_state_away');
  try {
    await expect(Promise.resolve(states.isEnabled('jsonrpc'))).rejects.toThrow();
  } finally {
    await db.knex.raw('ALTER TABLE app_state_away RENAME TO app_state');
  }
  await disable('jsonrpc');
  expect(await states.isEnabled('jsonrpc')).toBe(false);
  expect(stateReads).toBe(2);
});

describe('the call that changes a state', () => {
  const procedure = (name: string) => ({ name }) as AnyProcedure;
  const stub = (names: string[]): Dispatcher => ({
    procedures: names.map(procedure),
    proceduresFor: () => [],
    resolve: () => undefined,
    accessOf: () => ({ app: true, user: 'app-admin' }),
    precheck: async () => null,
    call: async (called) => `done ${called.name}`,
  });

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('answers only once the TTL has run out after its commit, this instance forgetting at once; other calls are not held', async () => {
    let forgotten = 0;
    const settling = settlingComponentChanges(stub(['ocsSetAppEnabled', 'getUser']), { isEnabled: () => true, forget: () => void (forgotten += 1) });
    let answered = false;
    const change = settling.call(procedure('ocsSetAppEnabled'), {}, { principal: { kind: 'app' }, mode: 'strict', requestId: 'r', surface: 'ocs' }).then((result) => {
      answered = true;
      return result;
    });
    await jest.advanceTimersByTimeAsync(0);
    expect([forgotten, answered]).toEqual([1, false]);
    await jest.advanceTimersByTimeAsync(TTL);
    expect(answered).toBe(false); // the TTL, and a margin for clocks of other hosts
    await jest.advanceTimersByTimeAsync(2);
    expect(await change).toBe('done ocsSetAppEnabled');
    expect(answered).toBe(true);

    const read = settling.call(procedure('getUser'), {}, { principal: { kind: 'app' }, mode: 'strict', requestId: 'r', surface: 'jsonrpc' });
    expect(await read).toBe('done getUser');
    expect(forgotten).toBe(1);
  });

  test('a registry without the state writer stops the start (a renamed procedure would silently skip the wait)', () => {
    expect(() => settlingComponentChanges(stub(['getUser']), { isEnabled: () => true, forget: () => undefined })).toThrow('Component state writer ocsSetAppEnabled is not registered');
  });
});
