/**
 * The request of each OCS matrix row: the concrete path and the form body, chosen so that an
 * authorized call succeeds. Targets come from ./world.ts — fresh ones when the route writes and the
 * cell is expected to run.
 */
import type { Targets, World } from './world';

type Form = Record<string, string | readonly string[]>;

export interface OcsCall {
  path(x: Targets, w: World): Promise<string>;
  form?(x: Targets, w: World): Promise<Form>;
  /**
   * What an authorized caller gets when it is not statuscode 200: the welcome email passes the
   * access checks (§6.16 checks 1–3) and then fails to send, as the matrix app has no SMTP server.
   */
  authorized?: readonly [number, string];
  /** Puts back what an authorized call changed outside the targets (a disabled component). */
  restore?(w: World): Promise<void>;
}

const user = (suffix = '') => async (x: Targets) => `users/${encodeURIComponent((await x.user()).username)}${suffix}`;
const group = (suffix = '') => async (x: Targets) => `groups/${encodeURIComponent((await x.group()).name)}${suffix}`;
const team = (suffix = '') => async () => `groups/team${suffix}`;
const fixed = (path: string) => async () => path;

export const OCS_CALLS: Readonly<Record<string, OcsCall>> = {
  'GET users': { path: fixed('users') },
  'GET users/details': { path: fixed('users/details') },
  'POST users': { path: fixed('users'), form: async (_x, w) => ({ userid: w.unique('authz-ocs-new'), password: 'Fresh-pw-1', groups: ['team'] }) },
  'GET users/{userid}': { path: user() },
  'PUT users/{userid}': { path: user(), form: async () => ({ key: 'email', value: 'changed@example.com' }) },
  'DELETE users/{userid}': { path: user() },
  'PUT users/{userid}/disable': { path: user('/disable') },
  'PUT users/{userid}/enable': { path: user('/enable') },
  'GET users/{userid}/groups': { path: user('/groups') },
  'POST users/{userid}/groups': { path: user('/groups'), form: async () => ({ groupid: 'pool' }) },
  'DELETE users/{userid}/groups': { path: user('/groups'), form: async () => ({ groupid: 'crew' }) },
  'POST users/{userid}/subadmins': { path: user('/subadmins'), form: async () => ({ groupid: 'pool' }) },
  'DELETE users/{userid}/subadmins': { path: user('/subadmins'), form: async () => ({ groupid: 'crew' }) },
  'GET users/{userid}/subadmins': { path: user('/subadmins') },
  'POST users/{userid}/welcome': { path: user('/welcome'), authorized: [102, 'Sending email failed'] },
  'GET user': { path: fixed('user') },
  'GET user/fields': { path: fixed('user/fields') },
  'GET user/fields/{userid}': { path: async (x) => `user/fields/${encodeURIComponent((await x.user()).username)}` },
  'GET groups': { path: fixed('groups') },
  'GET groups/details': { path: fixed('groups/details') },
  'POST groups': { path: fixed('groups'), form: async (_x, w) => ({ groupid: w.unique('authz-ocs-group') }) },
  'GET groups/{groupid}/users/details': { path: team('/users/details') },
  'GET groups/{groupid}/users': { path: team('/users') },
  'GET groups/{groupid}/subadmins': { path: team('/subadmins') },
  'GET groups/{groupid*}': { path: team() },
  'PUT groups/{groupid*}': { path: group(), form: async () => ({ key: 'displayname', value: 'Renamed' }) },
  'DELETE groups/{groupid*}': { path: group() },
  'GET apps': { path: fixed('apps') },
  'GET apps/{appid}': { path: fixed('apps/ldap') },
  'POST apps/{appid}': { path: fixed('apps/ldap') },
  'DELETE apps/{appid}': {
    path: fixed('apps/ldap'),
    restore: async (w) => {
      await w.t.knex('app_state').where({ app_id: 'ldap' }).update({ enabled: true });
    },
  },
};
