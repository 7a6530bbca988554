/**
 * Writes one planned batch inside the caller's transaction, with the rules of the procedures:
 * missing groups are created as createGroup does, new users get insertUser's columns, a role change
 * goes through updateUser (admin membership follows), disabling deactivates the private projects
 * the user owns as disableUser does. Any failure leaves the transaction to roll back.
 */
import type { Knex } from 'knex';
import { addMemberships, ensureGroups, insertUsers } from '../db/repositories/bulkUsers';
import { updateProfile } from '../db/repositories/profiles';
import { deactivateOwnedPrivateProjects, setUserActive, updateUser } from '../db/repositories/users';
import { CLI_ACTOR } from '../core/audit';
import { insertAuditEvent } from '../db/repositories/audit';
import type { BatchPlan } from './planBatch';

/** Actor of the audit events the command line writes. */

export interface BatchAudit {
  /** Where the rows came from (file name or `-`). */
  source: string;
  firstLine: number;
  lastLine: number;
}

/** Thrown when a user to update disappeared since the batch was planned. */
export class UserVanishedError extends Error {
  constructor(readonly username: string) {
    super(`user "${username}" was removed while the import ran`);
  }
}

/** Applies the plan on `trx`; returns how many groups it created. */
export async function writeBatch(trx: Knex.Transaction, plan: BatchPlan, audit: BatchAudit): Promise<{ groupsCreated: number }> {
  const { ids: groupIds, created: groupsCreated } = await ensureGroups(trx, plan.groups);
  const userIds = await insertUsers(
    trx,
    plan.creates.map((create) => create.user),
  );
  const memberships: { groupId: number; userId: number }[] = [];
  for (const create of plan.creates) {
    for (const name of create.groups) memberships.push({ groupId: groupIds.get(name)!, userId: userIds.get(create.user.username)! });
  }
  for (const update of plan.updates) {
    if (Object.keys(update.profile).length > 0 && !(await updateProfile(trx, update.id, update.profile))) throw new UserVanishedError(update.username);
    if (update.role !== undefined && !(await updateUser(trx, update.id, { role: update.role }))) throw new UserVanishedError(update.username);
    if (update.enabled !== undefined) {
      if (!(await setUserActive(trx, update.id, update.enabled))) throw new UserVanishedError(update.username);
      if (!update.enabled) await deactivateOwnedPrivateProjects(trx, update.id);
    }
    for (const name of update.addGroups) memberships.push({ groupId: groupIds.get(name)!, userId: update.id });
  }
  // A membership of a user removed meanwhile fails its foreign key, and the batch with it.
  await addMemberships(trx, memberships);
  if (plan.creates.length + plan.updates.length > 0) {
    await insertAuditEvent(trx, {
      createdAt: Math.floor(Date.now() / 1000),
      action: 'cli.import',
      actorUsername: CLI_ACTOR,
      targetUsername: null,
      details: { source: audit.source, lines: [audit.firstLine, audit.lastLine], created: plan.creates.length, updated: plan.updates.length, groups_created: groupsCreated },
      requestId: `cli-${process.pid}`,
      clientAddress: '',
      surface: 'cli',
      route: 'import',
    });
  }
  return { groupsCreated };
}
