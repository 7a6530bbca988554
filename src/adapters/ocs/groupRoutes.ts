/** Groups endpoints (ocs-provisioning §7). The `{groupid*}` routes come last: fixed words win. */
import type { OcsGroupView, OcsUserListEntry } from '../../core/ocsViews';
import type { OcsRoute } from './route';
import { renderGroup, renderUserList } from './views';

const paging = { search: 'text', limit: 'count', offset: 'count' } as const;
const NOT_FOUND = 'The requested group could not be found';

export const GROUP_ROUTES: readonly OcsRoute[] = [
  { method: 'GET', path: 'groups', level: 'B', procedure: 'ocsListGroups', params: paging, render: (result: string[]) => ({ groups: result }) },
  {
    method: 'GET',
    path: 'groups/details',
    level: 'S',
    procedure: 'ocsListGroupDetails',
    params: paging,
    render: (result: OcsGroupView[]) => ({ groups: result.map(renderGroup) }),
  },
  {
    method: 'POST',
    path: 'groups',
    level: 'S',
    procedure: 'ocsCreateGroup',
    params: { groupid: 'text', displayname: 'text' },
    errors: { group_name_invalid: [101, 'Invalid group name'], group_exists: [102, 'group exists'], ALREADY_EXISTS: [102, 'group exists'] },
    internal: [103, 'Failed to add the group'],
  },
  {
    method: 'GET',
    path: 'groups/{groupid}/users/details',
    level: 'B',
    procedure: 'ocsGetGroupMemberDetails',
    params: paging,
    errors: { group_missing: [998, NOT_FOUND] },
    render: (result: OcsUserListEntry[]) => ({ users: renderUserList(result) }),
  },
  {
    method: 'GET',
    path: 'groups/{groupid}/users',
    level: 'B',
    procedure: 'ocsGetGroupMembers',
    errors: { group_missing: [404, NOT_FOUND], group_forbidden: [403, ''] },
    render: (result: string[]) => ({ users: result }),
  },
  {
    method: 'GET',
    path: 'groups/{groupid}/subadmins',
    level: 'S',
    procedure: 'ocsGetGroupSubadmins',
    errors: { group_missing: [101, 'Group does not exist'] },
    render: (result: string[]) => result,
  },
  {
    method: 'GET',
    path: 'groups/{groupid*}',
    level: 'B',
    procedure: 'ocsGetGroupMembers',
    errors: { group_missing: [404, NOT_FOUND], group_forbidden: [403, ''] },
    render: (result: string[]) => ({ users: result }),
  },
  {
    method: 'PUT',
    path: 'groups/{groupid*}',
    level: 'S',
    procedure: 'ocsEditGroup',
    params: { key: 'text', value: 'text' },
    errors: { key_invalid: [999, ''], group_missing: [998, 'Group does not exist'], display_name_invalid: [101, 'Invalid display name'] },
  },
  {
    method: 'DELETE',
    path: 'groups/{groupid*}',
    level: 'S',
    procedure: 'ocsDeleteGroup',
    errors: { group_missing: [101, ''], admin_group: [102, ''] },
    internal: [102, ''],
  },
];
