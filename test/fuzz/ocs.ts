/**
 * Hostile OCS Provisioning requests, built from the adapter's own route table
 * (src/adapters/ocs/routes.ts): every route with its placeholders and parameters filled with real
 * names or hostile values, parameters in the query, a form body or a JSON body (with wrong JSON
 * types), v1 and v2, XML and JSON, unknown paths and methods, with and without OCS-APIRequest.
 */
import { OCS_ROUTES } from '../../src/adapters/ocs/routes';
import type { OcsRoute } from '../../src/adapters/ocs/route';
import type { ParamKind } from '../../src/adapters/ocs/params';
import { pickAuthorization, PASSWORD, type Fixture } from './fixture';
import type { Random } from './random';
import type { Focus } from './sweep';
import { BAD_UTF8, hostileString, hostileValue, Members, percentEncode, pollutingObject, rawNumber, writeJson, type FuzzValue } from './values';
import { mutateTransport, type FuzzRequest, type WireRequest } from './wire';

const QUOTAS = ['none', 'default', '1 GB', '5GB', '1024', '0', '-1', '1e400', '99999999999999999999 TB', 'unlimited', '1.5 MB', '1 XB', ' 1 KB', '1 kb'];
const LANGUAGES = ['en', 'de', 'de_DE', 'xx', 'EN', '', '../en'];
const USER_KEYS = ['displayname', 'display', 'email', 'password', 'quota', 'language', 'locale', 'phone', 'address', 'website', 'twitter', 'enabled', 'id', 'groups'];
const COUNTS = ['0', '1', '10', '500', '-1', 'abc', '99999999999999999999', '1.5', ' 1', '', '2147483648', '0x10', '１'];

/** A value for an OCS parameter, by name: mostly real names and sensible values, else hostile. */
function textValue(rng: Random, name: string, fixture: Fixture, key?: string): string {
  const t = fixture.targets;
  if (rng.chance(0.35)) return hostileString(rng);
  switch (name) {
    case 'userid':
      return rng.chance(0.8) ? rng.pick(t.usernames) : `fz-${rng.int(100000)}`;
    case 'groupid':
      return rng.chance(0.8) ? rng.pick(t.groupNames) : `fzg-${rng.int(100000)}`;
    case 'appid':
      return rng.pick(t.appIds);
    case 'password':
      return rng.pick([PASSWORD, 'short', '123456', '', 'x'.repeat(300)]);
    case 'quota':
      return rng.pick(QUOTAS);
    case 'language':
      return rng.pick(LANGUAGES);
    case 'email':
      return rng.pick(['x@example.org', 'bad', '', 'a@b', ...t.emails]);
    case 'key':
      return rng.pick(USER_KEYS);
    case 'filter':
      return rng.pick(['enabled', 'disabled', '', 'all']);
    case 'value':
      if (key === 'quota') return rng.pick(QUOTAS);
      if (key === 'email') return rng.pick(['x@example.org', 'bad', '']);
      if (key === 'password') return rng.pick([PASSWORD, 'short', '']);
      if (key === 'language') return rng.pick(LANGUAGES);
      if (key === 'website') return rng.pick(['https://example.org', 'javascript:alert(1)', 'ftp://x', '']);
      return rng.pick(['New Name', '', ' ', '+49 30 123', 'x'.repeat(256)]);
    default:
      return rng.pick(['fuzz', '', 'a b', `v${rng.int(1000)}`]);
  }
}

function paramValue(rng: Random, name: string, kind: ParamKind, fixture: Fixture, key?: string): string | string[] {
  if (kind === 'count') return rng.pick(COUNTS);
  if (kind === 'list') {
    if (rng.chance(0.2)) return textValue(rng, 'groupid', fixture);
    return Array.from({ length: rng.length(6) }, () => textValue(rng, 'groupid', fixture));
  }
  return textValue(rng, name, fixture, key);
}

/** PHP-style form encoding: lists as `name[]`, sometimes `name[x][y]` maps or indexed items. */
function formEncode(rng: Random, params: [string, string | string[]][]): string {
  const parts: string[] = [];
  for (const [name, value] of params) {
    const key = percentEncode(name);
    if (typeof value === 'string') parts.push(`${key}=${percentEncode(value)}`);
    else for (const [i, item] of value.entries()) parts.push(`${key}${rng.pick(['[]', '[]', `[${i}]`, '[a]', '[][x]'])}=${percentEncode(item)}`);
  }
  if (rng.chance(0.05)) parts.push(rng.pick(['format=json', 'format=xml', 'format=yaml', 'format[]=json', '__proto__[x]=1', 'constructor[prototype][x]=1', '=', '&']));
  return parts.join('&');
}

/** A JSON body: the params as strings, or as other JSON types that the adapter must turn into text or refuse. */
function jsonBody(rng: Random, params: [string, string | string[]][]): string {
  const entries: (readonly [string, FuzzValue])[] = params.map(([name, value]) => [
    name,
    rng.chance(0.7) ? value : rng.pick<() => FuzzValue>([() => rawNumber(rng), () => rng.chance(0.5), () => null, () => hostileValue(rng), () => ({ v: value }), () => [[value]]])(),
  ]);
  if (rng.chance(0.08)) entries.push(...pollutingObject(rng).entries);
  if (rng.chance(0.05)) return rng.pick(['[1,2]', '"str"', 'null', '{', '{"userid":', '{"a":1,}', '// c\n{}', `{"userid":"${BAD_UTF8}"}`]);
  return writeJson(new Members(entries));
}

/** The path after `/cloud/` with placeholders filled (percent-encoded, or raw now and then). */
function pathOf(rng: Random, route: OcsRoute, fixture: Fixture): string {
  return route.path
    .split('/')
    .map((part) => {
      const placeholder = /^\{(\w+)(\*?)\}$/.exec(part);
      if (!placeholder) return part;
      const value = textValue(rng, placeholder[1], fixture);
      if (placeholder[2] === '*' && rng.chance(0.2)) return `${percentEncode(value)}/${rng.pick(['users', 'x', '', '..', 'a/b'])}`;
      return rng.chance(0.9) ? percentEncode(value) : value.replace(/[\s?#]/g, '');
    })
    .join('/');
}

const ODD_PATHS = [
  '/ocs/v2.php/cloud', '/ocs/v2.php/cloud/', '/ocs/v1.php/cloud/Users', '/ocs/v3.php/cloud/users', '/ocs/v2.php/apps/files', '/ocs/v2.php',
  '/ocs/v2.php/cloud//users', '/ocs/v2.php/cloud/users/', '/ocs/v2.php/cloud/users/admin/groups/extra', '/ocs/v1.php/cloud/users/%', '/ocs/v1.php/cloud/users/%2e%2e',
  '/ocs/v2.php/cloud/groups/admin%2Fusers', `/ocs/v2.php/cloud/users/${BAD_UTF8}`, '/ocs/v2.php/cloud/users/%00', '/ocs/v2.php/cloud/user/fields/', '/ocs/v2.phpx/cloud/users',
];

/** One hostile OCS request. */
export function ocsRequest(rng: Random, fixture: Fixture, focus?: Focus & { route: number }): FuzzRequest {
  const route = focus ? OCS_ROUTES[focus.route] : rng.pick(OCS_ROUTES);
  const version = rng.chance(0.5) ? 1 : 2;
  const odd = !focus && rng.chance(0.06);
  let path = odd ? rng.pick(ODD_PATHS) : `/ocs/v${version}.php/cloud/${pathOf(rng, route, fixture)}`;
  const method = focus || rng.chance(0.9) ? route.method : rng.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
  const params: [string, string | string[]][] = [];
  let key: string | undefined;
  for (const [name, kind] of Object.entries(route.params ?? {})) {
    if (!rng.chance(0.8) && focus?.param !== name) continue;
    const value = paramValue(rng, name, kind, fixture, key);
    if (name === 'key' && typeof value === 'string') key = value;
    params.push([name, value]);
  }
  if (focus) return sweepRequest(rng, fixture, focus, { version, method, path, params, label: `${route.method} ${route.path}` });
  if (rng.chance(0.1)) params.push([rng.pick(['userid', 'groupid', 'enabled', 'serviceUrl', hostileString(rng)]), textValue(rng, 'userid', fixture)]);
  const format = rng.weighted<string | undefined>([[4, undefined], [3, 'json'], [2, 'xml'], [0.5, 'JSON'], [0.5, hostileString(rng)]]);
  if (format !== undefined) params.push(['format', format]);

  const carrier = rng.weighted<'query' | 'form' | 'json' | 'none'>([[method === 'GET' ? 6 : 2, 'query'], [4, 'form'], [3, 'json'], [1, 'none']]);
  let body = '';
  let contentType: string | undefined;
  if (carrier === 'query' && params.length > 0) path += `?${formEncode(rng, params)}`;
  if (carrier === 'form') [body, contentType] = [formEncode(rng, params), rng.pick(['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8'])];
  if (carrier === 'json') [body, contentType] = [jsonBody(rng, params), rng.pick(['application/json', 'application/json; charset=utf-8', 'text/json', 'application/vnd.api+json'])];

  const auth = pickAuthorization(rng, fixture, 'ocs');
  const wire: WireRequest = { method, target: path, headers: [], body: Buffer.from(body, 'utf8'), framing: 'length', mutations: [] };
  if (contentType) wire.headers.push(['Content-Type', contentType]);
  if (auth.header !== undefined) wire.headers.push(['Authorization', auth.header]);
  if (rng.chance(0.92)) wire.headers.push(['OCS-APIRequest', rng.chance(0.95) ? 'true' : rng.pick(['', 'false', BAD_UTF8])]);
  if (rng.chance(0.3)) wire.headers.push(['Accept', rng.pick(['application/json', 'application/xml', 'application/json, application/xml', 'text/html', '*/*', 'application/json;q=1', BAD_UTF8])]);
  if (rng.chance(0.03)) wire.headers.push(['X-Requested-With', 'XMLHttpRequest']);
  if (rng.chance(0.12)) mutateTransport(rng, wire);
  const label = odd ? `odd ${path.slice(0, 60)}` : `${route.method} ${route.path}`;
  return { surface: 'ocs', label: `ocs v${version} ${method} ${label} via ${carrier} as ${auth.label}`, wire };
}

/** A sweep case: the route's params in a JSON body, the focused one with a value of its JSON type, as the admin. */
function sweepRequest(
  rng: Random,
  fixture: Fixture,
  focus: Focus,
  request: { version: number; method: string; path: string; params: [string, string | string[]][]; label: string },
): FuzzRequest {
  const entries: (readonly [string, FuzzValue])[] = request.params.map(([name, value]) => [name, name === focus.param ? focus.value : value]);
  const wire: WireRequest = {
    method: request.method,
    target: `${request.path}?format=${rng.chance(0.5) ? 'json' : 'xml'}`,
    headers: [['Content-Type', 'application/json'], ['Authorization', fixture.credentials.admin], ['OCS-APIRequest', 'true']],
    body: Buffer.from(writeJson(new Members(entries)), 'utf8'),
    framing: 'length',
    mutations: [],
  };
  return { surface: 'ocs', label: `ocs v${request.version} sweep ${request.label} ${focus.param} as admin`, wire };
}
