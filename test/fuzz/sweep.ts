/**
 * The systematic part of the run: every parameter of every JSON-RPC procedure, OCS route and
 * nmcuser_oidc route, with a value of every JSON type, each as one case (about 1,100). Every fourth
 * request of a run is the next case, so 10,000 requests go through all of them twice (an
 * 800-request CI run through 200 of them); the others are random. The case's other parameters are plausible and the caller
 * gets past authentication, so the odd value reaches validation.
 */
import { OCS_ROUTES } from '../../src/adapters/ocs/routes';
import { ROUTES as OIDC_ROUTES } from '../../src/adapters/nmcuserOidc/router';
import { servesSurface } from '../../src/core/dispatcher';
import type { AnyProcedure } from '../../src/core/procedure';
import { hashSeed, Random } from './random';
import { hostileString, hostileValue, Members, RawJson, type FuzzValue } from './values';

export const JSON_TYPES = ['string', 'integer', 'number', 'boolean', 'null', 'array', 'object'] as const;
export type JsonType = (typeof JSON_TYPES)[number];

export interface SweepCase {
  surface: 'jsonrpc' | 'ocs' | 'nmcuser_oidc';
  /** Procedure name, or index into the route table. */
  target: string | number;
  param: string;
  type: JsonType;
}

/** A forced parameter value for a generator. */
export interface Focus {
  param: string;
  value: FuzzValue;
}

const NMCUSER_FIELDS = ['username', 'displayname', 'email', 'altemail', 'quota', 'migrated', 'enabled'];

/** Every case, in an order shuffled by the run's seed (so a short run still samples every surface). */
export function sweepCases(registry: readonly AnyProcedure[], seed: string): SweepCase[] {
  const cases: SweepCase[] = [];
  const add = (surface: SweepCase['surface'], target: string | number, params: readonly string[]) => {
    for (const param of params) for (const type of JSON_TYPES) cases.push({ surface, target, param, type });
  };
  for (const procedure of registry.filter((p) => servesSurface(p, 'rpc'))) {
    add('jsonrpc', procedure.name, [...new Set([...procedure.params, ...Object.keys(procedure.schema.properties)])]);
  }
  OCS_ROUTES.forEach((route, index) => add('ocs', index, Object.keys(route.params ?? {})));
  OIDC_ROUTES.forEach((route, index) => {
    if (route.method === 'POST' || route.method === 'PUT') add('nmcuser_oidc', index, route.method === 'POST' ? NMCUSER_FIELDS : NMCUSER_FIELDS.slice(1));
  });
  const rng = new Random(hashSeed(`${seed}/sweep`));
  for (let i = cases.length - 1; i > 0; i -= 1) {
    const j = rng.int(i + 1);
    [cases[i], cases[j]] = [cases[j], cases[i]];
  }
  return cases;
}

/** A value of the given JSON type, hostile where the type allows. */
export function valueOfType(rng: Random, type: JsonType): FuzzValue {
  switch (type) {
    case 'string':
      return hostileString(rng);
    case 'integer':
      return rng.pick<FuzzValue>([0, -1, 1, 2147483647, 2147483648, -2147483649, new RawJson('123456789012345678901234567890'), new RawJson('-0')]);
    case 'number':
      return rng.pick<FuzzValue>([1.5, -0.5, 1e-7, new RawJson('1e400'), new RawJson('-1e400'), new RawJson('5e-324'), 1e21]);
    case 'boolean':
      return rng.chance(0.5);
    case 'null':
      return null;
    case 'array':
      return rng.pick<() => FuzzValue>([() => [], () => [hostileString(rng)], () => [1, [2, [3]]], () => [hostileValue(rng, 2), hostileValue(rng, 2)]])();
    default:
      return rng.pick<() => FuzzValue>([() => ({}), () => ({ value: hostileString(rng) }), () => new Members([['__proto__', { admin: true }]]), () => ({ a: { b: [1] } })])();
  }
}
