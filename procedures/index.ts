/** The registry: every procedure of every group, in one list. The dispatcher gets it at start. */
import type { AnyProcedure } from '../src/core/procedure';
import { appProcedures } from './app';
import { discover } from './discover';
import { groupMemberProcedures } from './groupMembers';
import { groupProcedures } from './groups';
import { meProcedures } from './me';
import { myProjectProcedures } from './myProjects';
import { projectActivityProcedures } from './projectActivity';
import { projectProcedures } from './projects';
import { projectUpdateProcedures } from './projectUpdates';
import { projectPermissionProcedures } from './projectPermissions';
import { userProcedures } from './users';
import { ocsProcedures } from './ocs';
import { oidcProviderProcedures } from './oidcProviders';
import { nmcuserOidcProcedures } from './nmcuserOidc';
import { auditProcedures } from './audit';

export const registry: readonly AnyProcedure[] = [...userProcedures, ...meProcedures, ...appProcedures, ...groupProcedures, ...groupMemberProcedures, ...projectPermissionProcedures, ...projectProcedures, ...projectUpdateProcedures, ...projectActivityProcedures, ...myProjectProcedures, discover, ...oidcProviderProcedures, ...ocsProcedures, ...nmcuserOidcProcedures, ...auditProcedures];
