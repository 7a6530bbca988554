/** What the nmcuser_oidc procedures return and the adapter renders (nmcuser-oidc §6.3). Types only. */
import type { EffectiveQuota } from './quota';

export interface OidcUserView {
  /** The internal id (= the Roster username). */
  id: string;
  displayname: string;
  email: string | null;
  quota: EffectiveQuota;
  altemail: string;
  migrated: boolean;
  enabled: boolean;
}
