/**
 * What one batch of valid rows does to the database, decided against the users as they are:
 * create a missing user, leave an existing one unchanged, or (with --update) change the fields its
 * row gives that differ. Password hashing and comparison happen here, before any transaction opens.
 */
import type { AppRole, PasswordService } from '../core/procedure';
import { ADMIN_GROUP } from '../db/repositories/groups';
import type { BulkNewUser, UserRecord } from '../db/repositories/bulkUsers';
import type { ImportRow } from './importRow';

export interface PlannedCreate {
  line: number;
  user: BulkNewUser;
  /** Groups to join besides `admin` (which follows the role). */
  groups: string[];
}

export interface UserUpdate {
  name?: string | null;
  email?: string | null;
  quota?: string;
  password?: string;
}

export interface PlannedUpdate {
  line: number;
  id: number;
  username: string;
  profile: UserUpdate;
  role?: AppRole;
  enabled?: boolean;
  /** Groups to join (existing memberships stay; `admin` follows the role). */
  addGroups: string[];
}

export interface BatchPlan {
  creates: PlannedCreate[];
  updates: PlannedUpdate[];
  unchanged: number;
  /** Every group a create or update joins. */
  groups: string[];
}

export interface PlanOptions {
  /** Change existing users (--update); else they are left as they are. */
  update: boolean;
  /** Hash plain-text passwords (false for --dry-run, which writes nothing). */
  hash: boolean;
  passwords: PasswordService;
}

/** Placeholder of a password a dry run would hash. */
const UNHASHED = '';

/** The role a row asks for: given, or app-admin when it lists `admin` (the one-fact rule). */
function wantedRole(row: ImportRow): AppRole | undefined {
  return row.role ?? (row.groups?.includes(ADMIN_GROUP) ? 'app-admin' : undefined);
}

const withoutAdmin = (groups: readonly string[] | undefined) => (groups ?? []).filter((name) => name !== ADMIN_GROUP);

async function planCreate(row: ImportRow, options: PlanOptions): Promise<PlannedCreate> {
  let password: string | null = row.passwordHash ?? null;
  if (row.password !== undefined) password = options.hash ? await options.passwords.hash(row.password) : UNHASHED;
  const user: BulkNewUser = {
    username: row.username,
    password,
    name: row.name === undefined ? '' : row.name,
    email: row.email === undefined ? '' : row.email,
    role: wantedRole(row) ?? 'app-user',
    isActive: row.enabled ?? true,
  };
  if (row.quota !== undefined) user.quota = row.quota;
  return { line: row.line, user, groups: withoutAdmin(row.groups) };
}

/** The changes a row makes to an existing user; null when it changes nothing. */
async function planUpdate(row: ImportRow, existing: UserRecord, options: PlanOptions): Promise<PlannedUpdate | null> {
  const profile: UserUpdate = {};
  if (row.name !== undefined && row.name !== existing.name) profile.name = row.name;
  if (row.email !== undefined && row.email !== existing.email) profile.email = row.email;
  if (row.quota !== undefined && row.quota !== existing.quota) profile.quota = row.quota;
  // A null password_hash (no password) never removes one: the file cannot lock a user out.
  if (typeof row.passwordHash === 'string' && row.passwordHash !== existing.passwordHash) profile.password = row.passwordHash;
  if (row.password !== undefined && !(existing.passwordHash && (await options.passwords.verify(row.password, existing.passwordHash)))) {
    profile.password = options.hash ? await options.passwords.hash(row.password) : UNHASHED;
  }
  const role = wantedRole(row);
  const current = new Set(existing.groups);
  const update: PlannedUpdate = {
    line: row.line,
    id: existing.id,
    username: existing.username,
    profile,
    addGroups: withoutAdmin(row.groups).filter((name) => !current.has(name)),
  };
  if (role !== undefined && role !== existing.role) update.role = role;
  if (row.enabled !== undefined && row.enabled !== existing.isActive) update.enabled = row.enabled;
  const changes = Object.keys(profile).length + update.addGroups.length + (update.role ? 1 : 0) + (update.enabled !== undefined ? 1 : 0);
  return changes > 0 ? update : null;
}

/** Plans a batch; `existing` holds the users of the batch that exist, by username. */
export async function planBatch(rows: readonly ImportRow[], existing: ReadonlyMap<string, UserRecord>, options: PlanOptions): Promise<BatchPlan> {
  // Hashes run concurrently, bounded by the password service (HASH_CONCURRENCY).
  const planned = await Promise.all(
    rows.map(async (row) => {
      const user = existing.get(row.username);
      if (!user) return planCreate(row, options);
      return options.update ? planUpdate(row, user, options) : null;
    }),
  );
  const plan: BatchPlan = { creates: [], updates: [], unchanged: 0, groups: [] };
  const groups = new Set<string>();
  for (const step of planned) {
    if (step === null) plan.unchanged += 1;
    else if ('user' in step) {
      plan.creates.push(step);
      step.groups.forEach((name) => groups.add(name));
    } else {
      plan.updates.push(step);
      step.addGroups.forEach((name) => groups.add(name));
    }
  }
  plan.groups = [...groups];
  return plan;
}
