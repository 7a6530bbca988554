/** Apps endpoints (ocs-provisioning §8.3): Roster's own components. */
import type { OcsAppView } from '../../core/ocsViews';
import type { OcsRoute } from './route';
import { renderApp } from './views';

const appErrors = { app_id_invalid: [997, 'Invalid app id given'], app_missing: [998, 'The request app was not found'] } as const;

export const APP_ROUTES: readonly OcsRoute[] = [
  {
    method: 'GET',
    path: 'apps',
    level: 'A',
    procedure: 'ocsListApps',
    params: { filter: 'text' },
    errors: { filter_invalid: [101, ''] },
    render: (result: string[]) => ({ apps: result }),
  },
  { method: 'GET', path: 'apps/{appid}', level: 'A', procedure: 'ocsGetApp', errors: appErrors, render: (result: OcsAppView) => renderApp(result) },
  { method: 'POST', path: 'apps/{appid}', level: 'A', procedure: 'ocsSetAppEnabled', fixed: { enabled: true }, errors: appErrors },
  {
    method: 'DELETE',
    path: 'apps/{appid}',
    level: 'A',
    procedure: 'ocsSetAppEnabled',
    fixed: { enabled: false },
    errors: { ...appErrors, app_required: [101, 'cannot disable this app'] },
  },
];
