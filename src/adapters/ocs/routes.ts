/** Every OCS route, in match order (ocs-provisioning §6–§8). */
import { APP_ROUTES } from './appRoutes';
import { GROUP_ROUTES } from './groupRoutes';
import type { OcsRoute } from './route';
import { USER_ROUTES } from './userRoutes';

export const OCS_ROUTES: readonly OcsRoute[] = [...USER_ROUTES, ...GROUP_ROUTES, ...APP_ROUTES];
