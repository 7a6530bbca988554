/**
 * Lockout (contract §4.4) when a request checks its password while other requests lock the account:
 * the lock is decided on the row as it is when the request records its outcome, not as it read it.
 * A bcrypt run is held open with a gate, so the interleaving is exact: the request reads the unlocked
 * row, seven failures lock the account meanwhile (through a second instance), then the gate opens.
 */
import { createPasswordService } from '../../src/auth/passwords';
import type { PasswordService } from '../../src/core/procedure';
import { startTestApp, TEST_BCRYPT_COST, type Endpoint, type TestApp } from '../helpers/app';

const PASSWORD = 'right-password';
const GATED = 'gated-wrong-password';
const GET_ME = { jsonrpc: '2.0', method: 'getMe', id: 1 };
const UNAUTHORIZED: Record<Endpoint, string> = {
  '/jsonrpc.php': '{"jsonrpc":"2.0","error":{"code":401,"message":"Unauthorized"},"id":null}',
  '/rpc': '{"jsonrpc":"2.0","error":{"code":-32004,"message":"Unauthenticated","data":{"reason":"unauthenticated"}},"id":null}',
};

/** Real bcrypt, except that verifying a password in `held` waits until `release()`. */
function gatedPasswords() {
  const inner = createPasswordService({ cost: TEST_BCRYPT_COST, concurrency: 2 });
  const held = new Set<string>();
  let open!: () => void;
  let gate = new Promise<void>((resolve) => (open = resolve));
  let entered!: () => void;
  let waiting = new Promise<void>((resolve) => (entered = resolve));
  const service: PasswordService = {
    hash: (plain) => inner.hash(plain),
    async verify(plain, hash) {
      if (held.has(plain)) {
        entered();
        await gate;
      }
      return inner.verify(plain, hash);
    },
  };
  return {
    service,
    /** Holds the next verification of `plain`; resolves `entered` once a request is inside it. */
    hold(plain: string) {
      held.clear();
      held.add(plain);
      gate = new Promise<void>((resolve) => (open = resolve));
      waiting = new Promise<void>((resolve) => (entered = resolve));
    },
    entered: () => waiting,
    release() {
      held.clear();
      open();
    },
  };
}

let t: TestApp;
let other: TestApp;
let gated: ReturnType<typeof gatedPasswords>;

beforeAll(async () => {
  gated = gatedPasswords();
  // the cache would answer a repeated right password without bcrypt; each test's user is new anyway
  t = await startTestApp({ passwords: gated.service });
  other = await startTestApp({ db: t.db });
}, 60_000);
afterAll(async () => {
  await other.close();
  await t.close();
});

let serial = 0;
async function newUser(prefix: string): Promise<{ id: number; username: string }> {
  serial += 1;
  const username = `${prefix}-${serial}`;
  return { id: await t.createUser(username, PASSWORD), username };
}

async function state(id: number) {
  const row = await t.knex('users').where({ id }).first('nb_failed_login', 'lock_expiration_date');
  return { nb_failed_login: Number(row.nb_failed_login), locked: Number(row.lock_expiration_date) >= Math.floor(Date.now() / 1000) };
}

/** Seven wrong passwords, one after another, on the other instance: the account is locked after. */
async function lockThroughOtherInstance(username: string) {
  for (let i = 0; i < 7; i += 1) expect((await other.call('/rpc', GET_ME, [username, 'wrong-password'])).status).toBe(401);
}

/** Starts a getMe whose password check is held open; resolves once it is inside bcrypt (the row read). */
async function heldRequest(endpoint: Endpoint, username: string, secret: string): Promise<{ answer: Promise<{ status: number; text: string }> }> {
  gated.hold(secret);
  const answer = t.call(endpoint, GET_ME, [username, secret]).then((res) => ({ status: res.status, text: res.text }));
  await gated.entered();
  return { answer }; // wrapped: an async function returning the promise itself would wait for it
}

test.each<Endpoint>(['/rpc', '/jsonrpc.php'])('%s: the right password checked while the account gets locked is refused, and does not clear the lock', async (endpoint) => {
  const u = await newUser('held-right');
  const { answer } = await heldRequest(endpoint, u.username, PASSWORD);
  await lockThroughOtherInstance(u.username);
  expect(await state(u.id)).toEqual({ nb_failed_login: 7, locked: true });
  gated.release();
  expect(await answer).toEqual({ status: 401, text: UNAUTHORIZED[endpoint] });
  expect(await state(u.id)).toEqual({ nb_failed_login: 7, locked: true });
});

test('a wrong password checked while the account gets locked is not counted', async () => {
  const u = await newUser('held-wrong');
  const { answer } = await heldRequest('/rpc', u.username, GATED);
  await lockThroughOtherInstance(u.username);
  gated.release();
  expect(await answer).toEqual({ status: 401, text: UNAUTHORIZED['/rpc'] });
  expect(await state(u.id)).toEqual({ nb_failed_login: 7, locked: true });
});

test('a held right password still succeeds (and resets the counter) when nothing locked the account meanwhile', async () => {
  const u = await newUser('held-ok');
  for (let i = 0; i < 3; i += 1) expect((await other.call('/rpc', GET_ME, [u.username, 'wrong-password'])).status).toBe(401);
  const { answer } = await heldRequest('/rpc', u.username, PASSWORD);
  expect((await other.call('/jsonrpc.php', GET_ME, [u.username, 'wrong-password'])).status).toBe(401); // a fourth, not locking
  gated.release();
  expect((await answer).status).toBe(200);
  expect(await state(u.id)).toEqual({ nb_failed_login: 0, locked: false });
});

test('a burst of concurrent wrong passwords counts threshold + 1 failures, however many were in flight', async () => {
  const u = await newUser('burst');
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? t : other).call(i % 3 ? '/rpc' : '/jsonrpc.php', GET_ME, [u.username, `wrong-${i}`])));
  expect(answers.map((res) => res.status)).toEqual(answers.map(() => 401));
  expect(await state(u.id)).toEqual({ nb_failed_login: 7, locked: true });
});
