/**
 * What the OCS procedures return and the OCS adapter renders (ocs-provisioning §5). Types only:
 * procedures decide the values and the visibility, the adapter decides the wire shape.
 */
import type { EffectiveQuota } from './quota';

export type UserBackend = 'Database' | 'LDAP' | 'user_oidc';

/** A user as §5.1 shows it, before rendering. */
export interface OcsUserView {
  id: string;
  enabled: boolean;
  /** Milliseconds since the epoch, 0 if never. */
  lastLogin: number;
  backend: UserBackend;
  /** Groups the user is subadmin of, sorted (§5.4). */
  subadmin: string[];
  quota: EffectiveQuota;
  email: string | null;
  displayName: string;
  phone: string;
  address: string;
  website: string;
  twitter: string;
  /** Groups the user is a member of, sorted (§5.4). */
  groups: string[];
  language: string;
  /** The caller is an admin: `storageLocation` is shown. */
  callerIsAdmin: boolean;
  /** The caller is admin or the user is accessible to the caller: `enabled` is shown. */
  managed: boolean;
}

/** One entry of a details list: the user's data, or only its id when it is not accessible (§6.2). */
export interface OcsUserListEntry {
  id: string;
  user: OcsUserView | null;
}

/** A group as §5.3 shows it. */
export interface OcsGroupView {
  id: string;
  displayName: string;
  userCount: number;
  disabledCount: number;
}

/** A component as §8.3 shows it. */
export interface OcsAppView {
  id: string;
  name: string;
  description: string;
  version: string;
  licence: string;
  author: string;
  types: string[];
}
