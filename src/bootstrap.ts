/**
 * First-start data: the admin user (id 1, app-admin) and the API token. Each secret that Roster
 * generates is returned so main.ts can print it once; only hashes are stored. Runs under an advisory
 * lock so instances starting together on one Postgres create them once.
 */
import type { Knex } from 'knex';
import type { PasswordService } from './core/procedure';
import { API_TOKEN_SETTING } from './auth/authenticator';
import { randomBase62, sha256Hex } from './auth/secrets';
import { hasUsers, insertUser } from './db/repositories/users';
import { getSetting, insertSettingIfAbsent } from './db/repositories/settings';
import { insertProviderIfAbsent } from './db/repositories/oidcProviders';
import type { ProviderSeed } from './oidcProviderSeed';

export interface BootstrapResult {
  /** Set when the admin was created now. */
  admin?: { username: string; generatedPassword?: string };
  /** Set when a token was generated now (API_TOKEN unset and none stored). */
  generatedApiToken?: string;
}

export interface BootstrapOptions {
  adminUsername: string;
  adminPassword: string | undefined;
  apiToken: string | undefined;
  passwords: PasswordService;
  now: number;
  /** OIDC_PROVIDERS: created when missing (ignoring case); existing ones are left as they are. */
  oidcProviders?: readonly ProviderSeed[];
}

export async function bootstrap(db: Knex, options: BootstrapOptions): Promise<BootstrapResult> {
  const result: BootstrapResult = {};
  const generatedPassword = options.adminPassword ? undefined : randomBase62(24);
  const adminPasswordHash = () => options.passwords.hash(options.adminPassword ?? generatedPassword!);
  // Hashed before the lock when the admin looks missing, so that instances starting together do not
  // hash one after the other while holding it; not at all on a warm start (a bcrypt hash at the
  // default cost is a sizeable part of the start).
  let passwordHash = (await hasUsers(db)) ? undefined : await adminPasswordHash();
  await db.transaction(async (trx) => {
    await trx.raw("SELECT pg_advisory_xact_lock(hashtext('roster.bootstrap'))");
    if (!(await hasUsers(trx))) {
      // every user was deleted between the look and the lock
      passwordHash ??= await adminPasswordHash();
      await insertUser(trx, { username: options.adminUsername, password: passwordHash, name: null, email: null, role: 'app-admin' });
      result.admin = { username: options.adminUsername, generatedPassword };
    }
    if (!options.apiToken && (await getSetting(trx, API_TOKEN_SETTING)) === null) {
      const token = randomBase62(48);
      if (await insertSettingIfAbsent(trx, API_TOKEN_SETTING, sha256Hex(token), options.now)) result.generatedApiToken = token;
    }
    // ON CONFLICT: an instance starting at the same time may have created it (§9.3)
    for (const seed of options.oidcProviders ?? []) await insertProviderIfAbsent(trx, seed);
  });
  return result;
}
