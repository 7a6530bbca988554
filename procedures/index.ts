/** The registry: every procedure of every group, in one list. The dispatcher gets it at start. */
import type { AnyProcedure } from '../src/core/procedure';
import { appProcedures } from './app';
import { meProcedures } from './me';
import { userProcedures } from './users';

export const registry: readonly AnyProcedure[] = [...userProcedures, ...meProcedures, ...appProcedures];
