/**
 * Hostile JSON-RPC requests for POST /jsonrpc.php (Kanboard mode) and POST /rpc (strict mode):
 * calls to every registered procedure with params from its schema (./params.ts), envelopes with
 * wrong members, batches of 0 to 10,000 elements, malformed and truncated JSON, deep nesting,
 * invalid UTF-8, oversized bodies; then, now and then, a transport mutation (./wire.ts).
 */
import type { AnyProcedure } from '../../src/core/procedure';
import { servesSurface } from '../../src/core/dispatcher';
import { pickAuthorization, type Fixture } from './fixture';
import { paramsFor } from './params';
import type { Focus } from './sweep';
import type { Random } from './random';
import { BAD_UTF8, deepNesting, hostileString, hostileValue, Members, pollutingObject, RawJson, writeJson, type FuzzValue } from './values';
import { mutateTransport, setHeader, type FuzzRequest, type WireRequest } from './wire';

export type Endpoint = '/jsonrpc.php' | '/rpc';

/** A sweep case (./sweep.ts): this procedure, with this parameter forced. */
export type SweepFocus = Focus & { procedure: AnyProcedure };

const HOSTILE_METHODS = [
  '', ' getVersion', 'getVersion ', 'GETVERSION', 'getversion', 'get_version', 'rpc.discover', 'RPC.DISCOVER', 'rpc.', 'system.listMethods', '__proto__',
  'constructor', 'hasOwnProperty', 'toString', 'valueOf', 'prototype', 'getVersion\u0000', 'getVersi\u212Aon', 'createUser;DROP', '../createUser', 'ocsCallerLevel',
  'ocsCreateUser', 'oidcCreateUser', 'oidcMintToken', BAD_UTF8, 'ｇｅｔＶｅｒｓｉｏｎ',
];

function idMember(rng: Random): FuzzValue | undefined {
  return rng.weighted<() => FuzzValue | undefined>([
    [12, () => rng.int(100000)],
    [2, () => `id-${rng.int(1000)}`],
    [1, () => undefined],
    [1, () => null],
    [1, () => rng.pick<FuzzValue>([1.5, -1, 0, true, false, [], {}, [1, [2]], new RawJson('1e400'), new RawJson('-0'), new RawJson('123456789012345678901234567890')])],
    [0.5, () => hostileString(rng)],
    [0.3, () => pollutingObject(rng)],
    [0.2, () => deepNesting(rng, rng.pick([100, 5000, 50000]))],
  ])();
}

/** One call object: a real procedure (sometimes with a case-folded name) or a hostile method name. */
function callElement(rng: Random, fixture: Fixture, procedures: readonly AnyProcedure[], endpoint: Endpoint, focus?: SweepFocus): { value: FuzzValue; label: string } {
  if (focus) {
    const { shape, params } = paramsFor(rng, focus.procedure, fixture.targets, focus);
    return { value: new Members([['jsonrpc', '2.0'], ['method', focus.procedure.name], ['params', params ?? null], ['id', 1]]), label: `${focus.procedure.name}/${shape}` };
  }
  const procedure = rng.chance(0.88) ? rng.pick(procedures) : undefined;
  let method: FuzzValue = procedure ? procedure.name : rng.pick(HOSTILE_METHODS);
  if (procedure && rng.chance(endpoint === '/jsonrpc.php' ? 0.1 : 0.03)) method = rng.chance(0.5) ? procedure.name.toLowerCase() : procedure.name.toUpperCase();
  if (rng.chance(0.02)) method = rng.pick<FuzzValue>([null, 1, true, ['getVersion'], { name: 'getVersion' }]);
  const { shape, params } = procedure ? paramsFor(rng, procedure, fixture.targets) : { shape: 'hostile', params: rng.chance(0.5) ? hostileValue(rng) : undefined };
  const entries: [string, FuzzValue][] = [];
  if (rng.chance(0.99)) entries.push(['jsonrpc', rng.chance(0.94) ? '2.0' : rng.pick<FuzzValue>(['1.0', 2, 2.5, '2', null, '2.0 ', ''])]);
  entries.push(['method', method]);
  if (params !== undefined) entries.push(['params', params]);
  const id = idMember(rng);
  if (id !== undefined) entries.push(['id', id]);
  if (rng.chance(0.04)) entries.push([rng.pick(['result', 'error', '__proto__', 'extra']), hostileValue(rng, 2)]);
  if (rng.chance(0.03)) entries.push(['method', rng.pick(HOSTILE_METHODS)]);
  if (rng.chance(0.1)) entries.reverse();
  const name = typeof method === 'string' ? method : JSON.stringify(method);
  return { value: new Members(entries), label: `${name}/${shape}` };
}

/** Valid JSON made invalid: cut short, broken tokens, comments, other quoting, trailing garbage. */
function malformed(rng: Random, text: string): string {
  const cut = rng.int(Math.max(1, text.length));
  return rng.pick([
    () => text.slice(0, cut),
    () => text.slice(0, cut) + text.slice(cut + 1),
    () => `${text}${rng.pick([',', '}', ']', 'x', '\u0000', '{}', ' // c', '/* c */'])}`,
    () => `\ufeff${text}`,
    () => text.replace(/"/g, "'"),
    () => text.replace(/:/, ':NaN,"x":'),
    () => text.replace(/"([^"]*)"/, '"$1\n"'),
    () => text.replace(/"([^"]*)"/, '"$1\\x41"'),
    () => text.replace(/"([^"]*)"/, '"$1\\u12"'),
    () => text.replace(/\d+/, '0x1F'),
    () => text.replace(/\d+/, '01'),
    () => `${text.slice(0, cut)}/* ${text.slice(cut)}`,
    () => rng.pick(['', ' ', '\n\t ', 'null', 'true', '0', '"x"', '[]', '[[]]', '{}', '[{}]', '[null]', '[1,2]', '{"jsonrpc":"2.0"}', '{"method":"getVersion"}', ']', '{']),
    () => `${text}\n${text}`,
  ])();
}

function batchOf(rng: Random, fixture: Fixture, procedures: readonly AnyProcedure[], endpoint: Endpoint, size: number): { value: FuzzValue; label: string } {
  const elements: FuzzValue[] = [];
  const labels: string[] = [];
  for (let i = 0; i < size; i += 1) {
    if (size > 12) {
      elements.push({ jsonrpc: '2.0', method: rng.chance(0.9) ? 'getVersion' : 'getMe', id: i });
      continue;
    }
    if (rng.chance(0.12)) {
      elements.push(rng.pick<FuzzValue>([1, 'x', null, [], {}, [1], { jsonrpc: '2.0' }, hostileValue(rng, 2)]));
      labels.push('invalid');
      continue;
    }
    const call = callElement(rng, fixture, procedures, endpoint);
    elements.push(call.value);
    labels.push(call.label);
  }
  return { value: elements, label: `batch[${size}](${labels.slice(0, 6).join(',')})` };
}

/** One hostile JSON-RPC request to one of the two endpoints. */
export function jsonRpcRequest(rng: Random, fixture: Fixture, registry: readonly AnyProcedure[], endpoint: Endpoint, focus?: SweepFocus): FuzzRequest {
  // now and then a procedure of another surface (OCS, nmcuser_oidc): it must not be found
  const procedures = rng.chance(0.05) ? registry : registry.filter((p) => servesSurface(p, 'rpc'));
  const kind = focus ? 'sweep' : rng.weighted<string>([
    [55, 'single'], [12, 'batch'], [3, 'batch-extreme'], [6, 'envelope'], [12, 'malformed'], [4, 'deep'], [2, 'oversized'], [4, 'bad-utf8'], [2, 'pollute-body'],
  ]);
  let text: string;
  let label: string;
  switch (kind) {
    case 'batch': {
      const batch = batchOf(rng, fixture, procedures, endpoint, rng.between(1, 8));
      [text, label] = [writeJson(batch.value), batch.label];
      break;
    }
    case 'batch-extreme': {
      const batch = batchOf(rng, fixture, procedures, endpoint, rng.pick([0, 1, 100, 101, 1000, 10000]));
      [text, label] = [writeJson(batch.value), batch.label];
      break;
    }
    case 'envelope':
      text = writeJson(rng.pick<() => FuzzValue>([() => hostileValue(rng), () => hostileString(rng), () => [hostileValue(rng, 1)], () => pollutingObject(rng)])());
      label = 'envelope';
      break;
    case 'malformed': {
      const call = callElement(rng, fixture, procedures, endpoint);
      [text, label] = [malformed(rng, writeJson(rng.chance(0.3) ? [call.value] : call.value)), `malformed:${call.label}`];
      break;
    }
    case 'deep': {
      const depth = rng.pick([1000, 10000, 100000, 400000]);
      const deep = deepNesting(rng, depth).text;
      text = rng.pick([
        deep,
        `{"jsonrpc":"2.0","method":"createUser","params":{"username":${deep},"password":"secret1"},"id":1}`,
        `{"jsonrpc":"2.0","method":"getProjectActivities","params":[${deep}],"id":1}`,
        `{"jsonrpc":"2.0","method":"getVersion","id":${deep}}`,
        `[${'{"jsonrpc":"2.0","method":"getVersion","params":['.repeat(50)}${']}'.repeat(50)}]`,
      ]);
      label = `deep:${depth}`;
      break;
    }
    case 'oversized':
      text = rng.chance(0.5)
        ? `{"jsonrpc":"2.0","method":"createGroup","params":{"name":"${'x'.repeat(1024 * 1024 + 10)}"},"id":1}`
        : `{"jsonrpc":"2.0","method":"getVersion","id":1}${' '.repeat(1024 * 1024)}`;
      label = 'oversized';
      break;
    case 'bad-utf8': {
      const procedure = rng.pick(procedures);
      const name = procedure.params[0] ?? 'x';
      text = writeJson({ jsonrpc: '2.0', method: rng.chance(0.8) ? procedure.name : `${procedure.name}${BAD_UTF8}`, params: { [name]: `a${BAD_UTF8}b` }, id: 1 });
      label = `bad-utf8:${procedure.name}`;
      break;
    }
    case 'pollute-body':
      text = writeJson(new Members([['jsonrpc', '2.0'], ['method', 'getMe'], ['id', 1], ['__proto__', { method: 'removeUser', params: [1] }], ['constructor', { prototype: { isAdmin: true } }]]));
      label = 'pollute-body';
      break;
    default: {
      const call = callElement(rng, fixture, procedures, endpoint, focus);
      [text, label] = [writeJson(call.value), call.label];
    }
  }
  // a sweep case gets past authentication (the admin for the user-mode procedures such as getMe)
  const sweeper = rng.chance(0.6) ? 'app' : 'admin';
  const auth = focus ? { label: sweeper, header: fixture.credentials[sweeper] } : pickAuthorization(rng, fixture, endpoint === '/rpc' ? 'rpc' : 'jsonrpc');
  const wire: WireRequest = {
    method: focus || rng.chance(0.96) ? 'POST' : rng.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']),
    target: focus || rng.chance(0.97) ? endpoint : `${endpoint}${rng.pick(['?x=1', '/', '?a=%ff', `?${BAD_UTF8}`, '?%'])}`,
    headers: [['Content-Type', 'application/json']],
    body: Buffer.from(text, 'utf8'),
    framing: 'length',
    mutations: [],
  };
  if (auth.header !== undefined) wire.headers.push(['Authorization', auth.header]);
  if (!focus && rng.chance(0.05)) {
    // API_AUTH_HEADER is the only source when sent, even when it is broken
    setHeader(wire, 'X-API-Auth', rng.chance(0.5) ? (auth.header ?? '').replace(/^Basic /, '') : rng.pick(['', '!!!', BAD_UTF8, 'Og==', 'YTpi']));
  }
  if (rng.chance(0.05)) setHeader(wire, 'X-Request-Id', rng.pick(['', 'x'.repeat(65), '../../x', '<script>', 'a\tb', 'ok-id-1']));
  if (!focus && rng.chance(0.12)) mutateTransport(rng, wire);
  return { surface: endpoint === '/rpc' ? 'rpc' : 'jsonrpc', label: `${endpoint} ${kind} ${label} as ${auth.label}`, wire };
}
