/** The OCS data shapes of users, groups and apps (ocs-provisioning §5.1, §5.3, §8.3). */
import type { OcsAppView, OcsGroupView, OcsUserListEntry, OcsUserView } from '../../core/ocsViews';
import { quotaReport } from '../../core/quota';
import type { OcsMap, OcsRecord } from './ocsValue';

/** §5.1, members in order; `enabled` only when managed, `storageLocation` only for admins. */
export function renderUser(user: OcsUserView): OcsRecord {
  const canSet = user.backend === 'Database';
  return {
    enabled: user.managed ? user.enabled : undefined,
    storageLocation: user.callerIsAdmin ? '' : undefined,
    id: user.id,
    lastLogin: user.lastLogin,
    backend: user.backend,
    subadmin: user.subadmin,
    quota: { ...quotaReport(user.quota) },
    manager: '',
    email: user.email,
    additional_mail: [],
    displayname: user.displayName,
    'display-name': user.displayName,
    phone: user.phone,
    address: user.address,
    website: user.website,
    twitter: user.twitter,
    fediverse: '',
    organisation: '',
    role: '',
    headline: '',
    biography: '',
    profile_enabled: '1',
    groups: user.groups,
    language: user.language,
    locale: '',
    notify_email: null,
    backendCapabilities: { setDisplayName: canSet, setPassword: canSet },
  };
}

/** §6.2: a Map, so all-digit ids keep list order; inaccessible users show only their id. */
export function renderUserList(entries: readonly OcsUserListEntry[]): OcsMap {
  return new Map(entries.map((entry) => [entry.id, entry.user ? renderUser(entry.user) : { id: entry.id }]));
}

/** §5.3. */
export function renderGroup(group: OcsGroupView): OcsRecord {
  return { id: group.id, displayname: group.displayName, usercount: group.userCount, disabled: group.disabledCount, canAdd: true, canRemove: true };
}

/** §8.3. */
export function renderApp(app: OcsAppView): OcsRecord {
  return { id: app.id, name: app.name, description: app.description, version: app.version, licence: app.licence, author: app.author, types: app.types };
}
