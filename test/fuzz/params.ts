/**
 * Parameter values derived from the procedures' own JSON schemas (procedures/index.ts): for each
 * named parameter either a plausible value (an existing id or name, an enum member, a string that
 * fits the limits) or a hostile one (every wrong JSON type, boundary numbers, over-long and
 * malicious strings, forged cursors), so every parameter of every procedure sees every kind of input.
 */
import { createHash } from 'node:crypto';
import type { AnyProcedure } from '../../src/core/procedure';
import type { Targets } from './fixture';
import type { Random } from './random';
import type { Focus } from './sweep';
import { hostileString, hostileValue, longString, Members, pollutingObject, rawNumber, RawJson, wrongType, type FuzzValue } from './values';

type Schema = Record<string, unknown>;

function typesOf(schema: Schema): string[] {
  const t = schema.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t as string[];
  if (Array.isArray(schema.enum)) return [...new Set((schema.enum as unknown[]).map((v) => (v === null ? 'null' : typeof v)))];
  return [];
}

const isId = (schema: Schema) => typesOf(schema).includes('integer') && typesOf(schema).includes('string');

/** Existing ids, neighbours, and the edges of the id range, as numbers or digit strings. */
function idValue(rng: Random, pool: readonly number[]): FuzzValue {
  const n = rng.weighted<number | RawJson | string>([
    [6, rng.pick(pool.length > 0 ? pool : [1])],
    [2, rng.between(1, 40)],
    [1, rng.pick([0, -1, 2147483647, 2147483648, 4294967297, 9007199254740993])],
    [1, rawNumber(rng)],
    [1, rng.pick(['1', '01', '0001', '1 ', ' 1', '1.0', '1e0', '+1', '-1', '0x1', '99999999999', '１', '', `${pool[0] ?? 1}abc`])],
  ]);
  if (typeof n === 'number' && rng.chance(0.25)) return String(n);
  return n;
}

function poolFor(name: string, procedure: string, targets: Targets): { ids?: readonly number[]; names?: readonly string[] } {
  if (/user_id|owner_id/.test(name) || (name === 'id' && /User/.test(procedure))) return { ids: targets.userIds };
  if (name === 'group_id') return { ids: targets.groupIds };
  if (/project_id/.test(name)) return { ids: targets.projectIds };
  if (name === 'provider_id') return { ids: targets.providerIds };
  if (name === 'username') return { names: targets.usernames };
  if (name === 'name') return { names: /Group/.test(procedure) ? targets.groupNames : /Project/.test(procedure) ? targets.projectNames : targets.usernames };
  if (name === 'identifier') return { names: /Oidc/.test(procedure) ? targets.providers : targets.identifiers };
  if (name === 'email') return { names: targets.emails };
  return {};
}

/** A fake keyset cursor: garbage, or well-formed with the right fingerprint but a hostile `after`. */
function cursorValue(rng: Random, filters: Record<string, unknown>): FuzzValue {
  const canonical = JSON.stringify(Object.keys(filters).sort().map((k) => [k, filters[k]]));
  const f = createHash('sha256').update(canonical).digest('hex').slice(0, 8);
  const after = rng.pick<unknown>([0, 1, -1, 2147483647, 2147483648, Number.MAX_SAFE_INTEGER, 1e300, '1', null, [1], 1.5]);
  const forged = { v: rng.pick<unknown>([1, 1, 2, '1']), after, f: rng.chance(0.8) ? f : '00000000' };
  return rng.weighted<FuzzValue>([
    [4, Buffer.from(JSON.stringify(forged)).toString('base64url')],
    [1, Buffer.from('{"v":1,"after":').toString('base64url')],
    [1, Buffer.from(`{"__proto__":{"v":1},"after":1,"f":"${f}"}`).toString('base64url')],
    [2, hostileString(rng)],
    [1, null],
  ]);
}

/** A string that respects the schema's limits when it can, drawn from the pools or made up. */
function plausibleString(rng: Random, schema: Schema, names: readonly string[] | undefined): string {
  if (names && rng.chance(0.6)) return rng.pick(names);
  if (schema.format === 'email') return rng.pick(['x@example.org', 'a.b+c@example.co.uk', 'x@y', '', `u${rng.int(1000)}@example.org`]);
  if (typeof schema.pattern === 'string' && /A-Za-z0-9/.test(schema.pattern)) return rng.pick(['FUZZ', `P${rng.int(10000)}`, 'abc', '', 'A'.repeat(50)]);
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : 64;
  const length = Math.min(max, rng.between(1, 20));
  return `fz${rng.int(100000)}${'x'.repeat(Math.max(0, length - 7))}`.slice(0, Math.max(length, 1));
}

/** One value for parameter `name` of `procedure`. `plausible` ≈ how often the value should be valid. */
export function paramValue(rng: Random, procedure: AnyProcedure, name: string, targets: Targets, plausible: number, filters: Record<string, unknown> = {}): FuzzValue {
  const schema = (procedure.schema.properties[name] ?? {}) as Schema;
  const types = typesOf(schema);
  if (name === 'cursor') return cursorValue(rng, filters);
  if (!rng.chance(plausible)) {
    return rng.weighted<() => FuzzValue>([
      [4, () => wrongType(rng, types)],
      [3, () => hostileString(rng)],
      [2, () => hostileValue(rng)],
      [1, () => (typeof schema.maxLength === 'number' ? 'm'.repeat(schema.maxLength + 1) : longString(rng, rng.chance(0.3)))],
      [1, () => pollutingObject(rng)],
      [1, () => rawNumber(rng)],
    ])();
  }
  const pools = poolFor(name, procedure.name, targets);
  if (isId(schema)) return idValue(rng, pools.ids ?? []);
  if (Array.isArray(schema.enum)) return rng.chance(0.85) ? rng.pick(schema.enum as FuzzValue[]) : rng.pick(['app-admin ', 'APP-ADMIN', 'project-owner', 'Project-Manager', '']);
  if (types.includes('array')) {
    const items = (schema.items ?? {}) as Schema;
    const length = rng.weighted<number>([[6, rng.between(0, 5)], [1, 100], [1, 101], [0.3, 5000]]);
    return Array.from({ length }, () => (isId(items) ? idValue(rng, pools.ids ?? targets.projectIds) : hostileString(rng)));
  }
  if (types.includes('boolean')) return rng.pick<FuzzValue>([true, false, true, 1, 0, '1', '0', 'true', 'false', 'yes']);
  if (types.includes('integer')) return rng.pick<FuzzValue>([1, 10, 100, 500, 501, 0, -1, 2147483647, 2147483648, -2147483649, '5', 1.5]);
  if (types.includes('string')) return plausibleString(rng, schema, pools.names);
  return hostileValue(rng);
}

export type ParamsShape = 'named' | 'positional' | 'positional-object' | 'absent' | 'null' | 'scalar' | 'extra' | 'polluting' | 'duplicate-keys' | 'nested';

/** The params member of a call: named, positional, missing, wrong in shape, with extra or repeated keys. */
export function paramsFor(rng: Random, procedure: AnyProcedure, targets: Targets, focus?: Focus): { shape: ParamsShape; params: FuzzValue | undefined } {
  const plausible = focus ? 0.95 : rng.pick([0.95, 0.8, 0.5, 0.2]);
  const names = procedure.params.length > 0 ? procedure.params : Object.keys(procedure.schema.properties);
  const filters = { query: '', role: null, is_active: null };
  const values = new Map<string, FuzzValue>();
  for (const name of names) {
    const required = procedure.schema.required?.includes(name) ?? false;
    if (focus?.param === name) values.set(name, focus.value);
    else if (required ? rng.chance(0.95) : rng.chance(0.5)) values.set(name, paramValue(rng, procedure, name, targets, plausible, filters));
  }
  const shape = focus
    ? rng.chance(0.75) ? 'named' : 'positional'
    : rng.weighted<ParamsShape>([
        [10, 'named'], [4, 'positional'], [1, 'positional-object'], [1, 'absent'], [0.5, 'null'], [1, 'scalar'], [1, 'extra'], [1, 'polluting'],
        [1, 'duplicate-keys'], [0.5, 'nested'],
      ]);
  const entries = [...values.entries()];
  switch (shape) {
    case 'named':
      return { shape, params: new Members(entries) };
    case 'positional': {
      const count = focus ? Math.max(values.size, names.indexOf(focus.param) + 1) : rng.chance(0.8) ? values.size : rng.between(0, names.length + 2);
      const list: FuzzValue[] = names.slice(0, count).map((n) => values.get(n) ?? paramValue(rng, procedure, n, targets, plausible));
      if (!focus && rng.chance(0.1)) list.push(hostileValue(rng, 2));
      return { shape, params: list };
    }
    case 'positional-object': {
      const ordered = names.map((n, i) => [String(i), values.get(n) ?? null] as const);
      return { shape, params: new Members(rng.chance(0.5) ? ordered : [...ordered].reverse()) };
    }
    case 'absent':
      return { shape, params: undefined };
    case 'null':
      return { shape, params: null };
    case 'scalar':
      return { shape, params: rng.pick<FuzzValue>(['x', 1, true, '', new RawJson('1e400')]) };
    case 'extra':
      return { shape, params: new Members([...entries, [rng.pick([hostileString(rng), 'password', 'role', 'is_admin', 'id']), hostileValue(rng, 2)]]) };
    case 'polluting':
      return { shape, params: new Members([...entries, ...pollutingObject(rng, new Members(entries.slice(0, 1))).entries]) };
    case 'duplicate-keys': {
      const [first] = entries;
      const repeated = first ? [first, [first[0], hostileValue(rng, 2)] as const, first] : [['a', 1] as const, ['a', 2] as const];
      return { shape, params: new Members(rng.chance(0.5) ? [...entries, ...repeated] : [...repeated, ...entries]) };
    }
    default:
      return { shape, params: new Members(entries.map(([k, v]) => [k, [[v]]] as const)) };
  }
}
