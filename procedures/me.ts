/** Procedures about the calling user (user mode only; the app token gets user_credentials_required). */
import { AppError } from '../src/core/errors';
import { defineProcedure, type Context } from '../src/core/procedure';
import { findUserById } from '../src/db/repositories/users';
import { insertAppPassword } from '../src/db/repositories/appPasswords';
import { appPasswordResult, createMyAppPasswordParams, noParams, userObject } from '../schemas/users';

function callerOf(ctx: Context) {
  if (ctx.principal.kind !== 'user') throw new AppError('FORBIDDEN', { reason: 'user_credentials_required' });
  return ctx.principal.user;
}

export const getMe = defineProcedure({
  name: 'getMe',
  description: "The caller's user object.",
  params: [],
  schema: noParams('getMe'),
  result: userObject,
  writes: false,
  failure: null,
  async handler(_p, ctx) {
    const user = await findUserById(ctx.db, callerOf(ctx).id);
    if (!user) throw new AppError('NOT_FOUND', { resource: 'user' });
    return user;
  },
});

export const createMyAppPassword = defineProcedure({
  name: 'createMyAppPassword',
  description:
    'Mint an app password for the caller, who must sign in with their password (an app password or personal token cannot mint another: password_login_required). The token (72 characters) is returned only here; it authenticates as the caller on every surface until revoked or the user is disabled or removed.',
  params: ['name'],
  schema: createMyAppPasswordParams,
  result: appPasswordResult,
  writes: true,
  failure: false,
  async handler(p, ctx) {
    const caller = callerOf(ctx);
    const { token, sha256 } = ctx.services.secrets.newAppPassword();
    const id = await insertAppPassword(ctx.db, {
      userId: caller.id,
      name: p.name,
      tokenSha256: sha256,
      createdAt: ctx.services.now(),
      createdBy: caller.username,
    });
    ctx.audit({ action: 'app_password.create', targetUsername: caller.username, details: { app_password_id: id } });
    return { id, name: p.name, token };
  },
});

export const meProcedures = [getMe, createMyAppPassword];
