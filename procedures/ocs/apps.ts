/**
 * Roster's components as OCS "apps" (ocs-provisioning §8): a fixed catalogue, with the enabled
 * state in the database so every instance agrees at once.
 */
import { refused } from '../../src/core/errors';
import { defineProcedure, type ProcedureSettings } from '../../src/core/procedure';
import type { OcsAppView } from '../../src/core/ocsViews';
import { disabledAppIds, isAppEnabled, setAppEnabled } from '../../src/db/repositories/appState';
import { ocsAppParams, ocsAppStateParams, ocsListAppsParams, ocsResult } from '../../schemas/ocs';

interface Component {
  id: string;
  name: string;
  description: string;
  types: string[];
  canDisable: boolean;
}

/** §8.1, sorted by id. */
export const COMPONENTS: readonly Component[] = [
  { id: 'jsonrpc', name: 'JSON-RPC API', description: 'Kanboard-compatible /jsonrpc.php and strict /rpc endpoints', types: ['api'], canDisable: true },
  { id: 'ldap', name: 'LDAP', description: 'LDAP directory lookup for creating LDAP users', types: ['authentication'], canDisable: true },
  { id: 'mail', name: 'Mail', description: 'Outgoing email over SMTP (welcome emails)', types: ['notification'], canDisable: true },
  {
    id: 'nmcuser_oidc',
    name: 'OpenID Connect user API',
    description: 'REST API that pre-creates OpenID Connect users and mints tokens for them',
    types: ['api', 'authentication'],
    canDisable: true,
  },
  {
    id: 'provisioning_api',
    name: 'Provisioning API',
    description: 'Nextcloud-compatible OCS user, group and app provisioning (this adapter)',
    types: ['api'],
    canDisable: false,
  },
];

/** §8.3: ids with `/`, `\`, NUL or `..` are refused before any lookup. */
function checkAppId(appid: string): Component | undefined {
  if (/[/\\\0]/.test(appid) || appid.includes('..')) throw refused('UNAUTHENTICATED', 'app_id_invalid');
  return COMPONENTS.find((c) => c.id === appid);
}

function appView(component: Component, settings: ProcedureSettings): OcsAppView {
  return {
    id: component.id,
    name: component.name,
    description: component.description,
    version: settings.rosterVersion,
    licence: settings.rosterLicence,
    author: settings.rosterAuthor,
    types: [...component.types],
  };
}

export const ocsListApps = defineProcedure({
  name: 'ocsListApps',
  description: 'Component ids, all or only the enabled or disabled ones (§8.3).',
  params: [],
  schema: ocsListAppsParams,
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ['ocs'],
  nulSafe: true,
  async handler(p, ctx) {
    if (p.filter !== '' && p.filter !== 'enabled' && p.filter !== 'disabled') throw refused('INVALID_PARAMS', 'filter_invalid');
    const disabled = await disabledAppIds(ctx.db);
    return COMPONENTS.filter((c) => p.filter === '' || (p.filter === 'disabled') === disabled.has(c.id)).map((c) => c.id);
  },
});

export const ocsGetApp = defineProcedure({
  name: 'ocsGetApp',
  description: 'A component\'s id, name, description, version, licence, author and types (§8.3).',
  params: [],
  schema: ocsAppParams('ocsGetApp'),
  result: ocsResult,
  writes: false,
  failure: null,
  surfaces: ['ocs'],
  nulSafe: true,
  async handler(p, ctx): Promise<OcsAppView> {
    const component = checkAppId(p.appid);
    if (!component) throw refused('NOT_FOUND', 'app_missing');
    return appView(component, ctx.services.settings);
  },
});

export const ocsSetAppEnabled = defineProcedure({
  name: 'ocsSetAppEnabled',
  description: 'Enable or disable a component for every instance at once (§8.2, §8.3); provisioning_api cannot be disabled.',
  params: [],
  schema: ocsAppStateParams,
  result: ocsResult,
  writes: true,
  failure: null,
  surfaces: ['ocs'],
  nulSafe: true,
  async handler(p, ctx) {
    const component = checkAppId(p.appid);
    if (p.enabled) {
      if (!component) throw refused('NOT_FOUND', 'app_missing');
    } else {
      if (!component) return null; // upstream: disabling an unknown app succeeds
      if (!component.canDisable) throw refused('REFUSED', 'app_required');
    }
    if ((await isAppEnabled(ctx.db, component.id)) !== p.enabled) await setAppEnabled(ctx.db, component.id, p.enabled, ctx.services.now());
    return null;
  },
});

export const ocsAppProcedures = [ocsListApps, ocsGetApp, ocsSetAppEnabled];
