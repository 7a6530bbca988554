/** The shape of an OCS route table entry and path matching (ocs-provisioning §3.1). */
import type { OcsValue } from './ocsValue';
import type { ParamKind } from './params';

export type OcsMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** §3.5: A admin only, S admin setting, B subadmin or admin, U any user. */
export type OcsLevel = 'A' | 'S' | 'B' | 'U';

/** An error's message, fixed or built from the refused value (e.g. `group <g> does not exist`). */
export type OcsMessage = string | ((value: string) => string);

export interface OcsRoute {
  method: OcsMethod;
  /** Segments after `/cloud/`: words, `{name}` placeholders, and a last `{name*}` taking the rest. */
  path: string;
  level: OcsLevel;
  /** The OCS-only procedure it calls. */
  procedure: string;
  /** Parameters read from the query and body, with their kinds (§3.2). */
  params?: Readonly<Record<string, ParamKind>>;
  /** Parameters the route sets itself (e.g. `enabled` of /enable and /disable). */
  fixed?: Readonly<Record<string, string | boolean>>;
  /** Pass the request's service URL (welcome emails without PUBLIC_URL, §9). */
  serviceUrl?: boolean;
  /** Procedure failure reasons → statuscode and message, for this endpoint. */
  errors?: Readonly<Record<string, readonly [number, OcsMessage]>>;
  /** Statuscode and message of an unexpected failure, when the endpoint has its own (§6.3 check 18). */
  internal?: readonly [number, string];
  /** Success data from the procedure's result; absent = empty data. */
  render?: (result: never) => OcsValue;
}

export interface RouteMatch {
  route: OcsRoute;
  /** Decoded placeholder values. */
  values: Map<string, string>;
}

/** Segments of a route path. */
function patternOf(route: OcsRoute): string[] {
  return route.path.split('/');
}

/** Matches decoded path segments against one route's pattern. */
function matchPath(route: OcsRoute, segments: readonly string[]): Map<string, string> | null {
  const pattern = patternOf(route);
  const values = new Map<string, string>();
  for (let i = 0; i < pattern.length; i += 1) {
    const part = pattern[i];
    const placeholder = /^\{(\w+)(\*?)\}$/.exec(part);
    if (!placeholder) {
      if (segments[i] !== part) return null;
      continue;
    }
    if (placeholder[2] === '*') {
      if (i >= segments.length) return null;
      values.set(placeholder[1], segments.slice(i).join('/'));
      return values;
    }
    if (i >= segments.length) return null;
    values.set(placeholder[1], segments[i]);
  }
  return segments.length === pattern.length ? values : null;
}

export type PathLookup = { kind: 'route'; match: RouteMatch } | { kind: 'method_not_allowed' } | { kind: 'unknown' };

/**
 * Finds the route for a method and the segments after `/cloud/` (each percent-decoded once).
 * Routes are tried in table order, so fixed words listed first win over placeholders.
 */
export function findRoute(routes: readonly OcsRoute[], method: string, segments: readonly string[]): PathLookup {
  let pathKnown = false;
  for (const route of routes) {
    const values = matchPath(route, segments);
    if (!values) continue;
    if (route.method === method) return { kind: 'route', match: { route, values } };
    pathKnown = true;
  }
  return pathKnown ? { kind: 'method_not_allowed' } : { kind: 'unknown' };
}
