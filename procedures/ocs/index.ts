/** Every OCS-only procedure (surface `ocs`); the registry lists them with the rest. */
import { ocsAppProcedures } from './apps';
import { ocsGroupProcedures } from './groups';
import { ocsMembershipProcedures } from './memberships';
import { ocsUserEditProcedures } from './userEdits';
import { ocsUserProcedures } from './users';

export const ocsProcedures = [...ocsUserProcedures, ...ocsUserEditProcedures, ...ocsMembershipProcedures, ...ocsGroupProcedures, ...ocsAppProcedures];
