/**
 * Params of the OCS-only procedures (ocs-provisioning §6–§8). The OCS adapter has already applied
 * the transport rules of §3.2: every scalar is a string (missing = ""), every list a list of
 * strings (missing = []), and `limit`/`offset` are non-negative integers or null (absent). The
 * endpoint checks themselves are made by the procedures, in the order the spec gives.
 */
/** No length caps here: over-long values get the endpoint's own error (e.g. 101 `Invalid password value`); the body limit bounds them. */
const text = { type: 'string', default: '' } as const;
const list = { type: 'array', items: { type: 'string' }, default: [] } as const;
const count = { type: ['integer', 'null'], minimum: 0, default: null } as const;
const flag = { type: 'boolean' } as const;

function ocsParams<const P extends Record<string, object>>(procedure: string, properties: P) {
  return { $id: `${procedure}.params`, type: 'object', properties, additionalProperties: false } as const;
}

/** A params schema whose boolean `enabled` is set by the route, never by the caller. */
function withEnabled<const P extends Record<string, object>>(procedure: string, properties: P) {
  return { ...ocsParams(procedure, { ...properties, enabled: flag }), required: ['enabled'] } as const;
}

const paging = { search: text, limit: count, offset: count } as const;

export const ocsNoParams = (procedure: string) => ocsParams(procedure, {});
export const ocsUserParams = (procedure: string) => ocsParams(procedure, { userid: text });
export const ocsUserGroupParams = (procedure: string) => ocsParams(procedure, { userid: text, groupid: text });
export const ocsGroupParams = (procedure: string) => ocsParams(procedure, { groupid: text });
export const ocsPagingParams = (procedure: string) => ocsParams(procedure, paging);
export const ocsGroupPagingParams = (procedure: string) => ocsParams(procedure, { groupid: text, ...paging });
export const ocsAppParams = (procedure: string) => ocsParams(procedure, { appid: text });

export const ocsCreateUserParams = ocsParams('ocsCreateUser', {
  userid: text,
  password: text,
  displayName: text,
  email: text,
  groups: list,
  subadmin: list,
  quota: text,
  language: text,
  serviceUrl: text,
});
export const ocsEditUserParams = ocsParams('ocsEditUser', { userid: text, key: text, value: text });
export const ocsSetUserEnabledParams = withEnabled('ocsSetUserEnabled', { userid: text });
export const ocsWelcomeParams = ocsParams('ocsSendWelcomeEmail', { userid: text, serviceUrl: text });
export const ocsCreateGroupParams = ocsParams('ocsCreateGroup', { groupid: text, displayname: text });
export const ocsEditGroupParams = ocsParams('ocsEditGroup', { groupid: text, key: text, value: text });
export const ocsListAppsParams = ocsParams('ocsListApps', { filter: text });
export const ocsAppStateParams = withEnabled('ocsSetAppEnabled', { appid: text });

/** Results are documented loosely: the OCS adapter renders them (src/core/ocsViews.ts). */
export const ocsResult = { type: ['object', 'array', 'null', 'boolean'] } as const;
