/** Enabled/disabled state of Roster's components (ocs-provisioning §8.2): a missing row means enabled. */
import type { Knex } from 'knex';

export async function isAppEnabled(db: Knex, appId: string): Promise<boolean> {
  const row = await db('app_state').where({ app_id: appId }).first('enabled');
  return row ? (row.enabled as boolean) : true;
}

/** Ids of the components stored as disabled. */
export async function disabledAppIds(db: Knex): Promise<Set<string>> {
  const rows = await db('app_state').where({ enabled: false }).select('app_id');
  return new Set(rows.map((r: { app_id: string }) => r.app_id));
}

export async function setAppEnabled(db: Knex, appId: string, enabled: boolean, now: number): Promise<void> {
  await db('app_state').insert({ app_id: appId, enabled, updated_at: now }).onConflict('app_id').merge(['enabled', 'updated_at']);
}
