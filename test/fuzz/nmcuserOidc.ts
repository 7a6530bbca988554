/**
 * Hostile nmcuser_oidc requests, built from the adapter's own route table
 * (src/adapters/nmcuserOidc/router.ts ROUTES): all four prefixes, real and hostile providers and
 * user ids, every request field with every JSON type (strings, numbers past 2^53, booleans, null,
 * arrays, objects, `__proto__`), JSON with comments or broken, form bodies, CORS preflights.
 */
import { ROUTES } from '../../src/adapters/nmcuserOidc/router';
import { pickAuthorization, type Fixture } from './fixture';
import type { Random } from './random';
import type { Focus } from './sweep';
import { BAD_UTF8, hostileString, hostileValue, Members, percentEncode, pollutingObject, rawNumber, writeJson, type FuzzValue } from './values';
import { mutateTransport, type FuzzRequest, type WireRequest } from './wire';

const PREFIXES = ['/apps/nmcuser_oidc/api/1.1', '/apps/nmcuser_oidc/api/1.0', '/index.php/apps/nmcuser_oidc/api/1.1', '/index.php/apps/nmcuser_oidc/api/1.0'];
const FIELDS = ['username', 'displayname', 'email', 'altemail', 'quota', 'migrated', 'enabled', 'pattern', 'limit', 'offset'];
const ODD_PATHS = ['', '/', '/nmcusers', '/nmcusers/', '/nmcusers/Telekom/a/b', '/token/Telekom', '/NMCUSERS/Telekom', `/nmcusers/${BAD_UTF8}`, '/nmcusers/%', '/nmcusers/%2F'];

function fieldValue(rng: Random, field: string, fixture: Fixture): FuzzValue {
  if (rng.chance(0.3)) {
    return rng.pick<() => FuzzValue>([() => hostileString(rng), () => hostileValue(rng), () => rawNumber(rng), () => null, () => [hostileString(rng)], () => pollutingObject(rng)])();
  }
  switch (field) {
    case 'username':
      return rng.pick([`oidc-${rng.int(100000)}`, ...fixture.targets.oidcUserIds, ...fixture.targets.usernames, 'x'.repeat(65), 'ü'.repeat(40)]);
    case 'email':
    case 'altemail':
      return rng.pick(['x@example.org', 'bad', '', 'a@b', 'oidc@example.org']);
    case 'quota':
      return rng.pick<FuzzValue>(['1 GB', 'none', 'default', '0', 1024, -1, 1.5, 9007199254740993, '5 XB', '']);
    case 'migrated':
    case 'enabled':
      return rng.pick<FuzzValue>([true, false, 1, 0, 'true', 'FALSE', '1', 'yes', 2]);
    case 'limit':
    case 'offset':
      return rng.pick<FuzzValue>(['0', '5', '-1', 'x', 3, '99999999999999999999']);
    default:
      return rng.pick(['Display Name', '', ' ', 'x'.repeat(300), '%', '_']);
  }
}

function segment(rng: Random, name: string, fixture: Fixture): string {
  const t = fixture.targets;
  const value = rng.chance(0.75) ? rng.pick(name === 'provider' ? t.providers : t.oidcUserIds) : hostileString(rng);
  return rng.chance(0.92) ? percentEncode(value) : value.replace(/[\s?#/]/g, '');
}

/** One hostile nmcuser_oidc request. */
export function nmcuserOidcRequest(rng: Random, fixture: Fixture, focus?: Focus & { route: number }): FuzzRequest {
  const route = focus ? ROUTES[focus.route] : rng.pick(ROUTES);
  const odd = !focus && rng.chance(0.05);
  const rest = odd ? rng.pick(ODD_PATHS) : `/${route.path.map((part) => (part.startsWith('{') ? segment(rng, part.slice(1, -1), fixture) : part)).join('/')}`;
  const method = focus || rng.chance(0.88) ? route.method : rng.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
  const fields: (readonly [string, FuzzValue])[] = [];
  for (const field of FIELDS) {
    if (field === focus?.param) fields.push([field, focus.value]);
    else if (focus ? field === 'username' || field === 'displayname' : rng.chance(0.4)) fields.push([field, fieldValue(rng, field, fixture)]);
  }
  if (!focus && rng.chance(0.05)) fields.push(...pollutingObject(rng).entries);
  if (!focus && rng.chance(0.05)) fields.push([fields[0]?.[0] ?? 'username', fieldValue(rng, 'username', fixture)]);

  const carrier = focus ? 'json' : rng.weighted<'json' | 'form' | 'query' | 'broken' | 'none'>([[8, 'json'], [2, 'form'], [2, 'query'], [2, 'broken'], [1, 'none']]);
  let target = `${rng.pick(PREFIXES)}${rest}`;
  let body = '';
  let contentType: string | undefined;
  const textOf = (v: FuzzValue) => (typeof v === 'string' ? v : writeJson(v));
  const encoded = () => fields.map(([k, v]) => `${percentEncode(k)}=${percentEncode(textOf(v))}`).join('&');
  if (carrier === 'json') {
    body = writeJson(new Members(fields));
    if (!focus && rng.chance(0.1)) body = `// comment\n${body.replace(/}$/, ',}')}`;
    contentType = rng.pick(['application/json', 'application/json; charset=utf-8', 'application/merge-patch+json']);
  } else if (carrier === 'form') {
    [body, contentType] = [encoded(), 'application/x-www-form-urlencoded'];
  } else if (carrier === 'query') {
    target += `?${encoded()}`;
  } else if (carrier === 'broken') {
    body = rng.pick(['{', '[]', '"x"', 'null', '1', '{"displayname":}', '{"a":1}{"b":2}', '/* */', `{"displayname":"${BAD_UTF8}"}`, `${'['.repeat(20000)}`, `${'{"a":'.repeat(30000)}1${'}'.repeat(30000)}`]);
    contentType = 'application/json';
  }

  const auth = focus ? { label: 'admin', header: fixture.credentials.admin } : pickAuthorization(rng, fixture, 'nmcuser_oidc');
  const wire: WireRequest = { method, target, headers: [], body: Buffer.from(body, 'utf8'), framing: 'length', mutations: [] };
  if (contentType) wire.headers.push(['Content-Type', contentType]);
  if (auth.header !== undefined) wire.headers.push(['Authorization', auth.header]);
  if (!focus && rng.chance(0.1)) wire.headers.push(['Origin', rng.pick(['https://example.org', 'null', '', BAD_UTF8, 'https://evil.example\r\nX: y'.replace(/\r\n/g, ' ')])]);
  if (!focus && rng.chance(0.12)) mutateTransport(rng, wire);
  const label = focus ? `sweep ${route.method} ${route.path.join('/')} ${focus.param}` : odd ? `odd ${rest}` : `${route.method} ${route.path.join('/')}`;
  return { surface: 'nmcuser_oidc', label: `nmcuser_oidc ${method} ${label} via ${carrier} as ${auth.label}`, wire };
}
