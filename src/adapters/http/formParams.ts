/**
 * PHP-style `application/x-www-form-urlencoded` decoding, shared by the OCS and nmcuser_oidc
 * adapters for query strings and form bodies.
 */

/** A source value before normalisation: a string, a list, or something else (an object) that counts as missing. */
export type RawValue = string | RawValue[] | { readonly object: true } | null;
export type RawParams = Map<string, RawValue>;

const OBJECT: RawValue = { object: true };
/** `name[]` and `name[3]` build lists; `name[key]` builds a map, which no endpoint reads. */
const BRACKETS = /^([^[\]]+)\[([^[\]]*)\](.*)$/;

/**
 * PHP-style form decoding: `groups[]=a&groups[1]=b` is the list ["a","b"] in order of appearance,
 * a repeated plain key keeps its last value. `+` is a space (URLSearchParams, as PHP).
 */
export function parseFormParams(text: string): RawParams {
  const params: RawParams = new Map();
  for (const [key, value] of new URLSearchParams(text)) {
    const match = BRACKETS.exec(key);
    if (!match) {
      params.set(key, value);
      continue;
    }
    const [, name, index, rest] = match;
    if (rest !== '' || (index !== '' && !/^\d+$/.test(index))) {
      params.set(name, OBJECT);
      continue;
    }
    const current = params.get(name);
    if (Array.isArray(current)) current.push(value);
    else params.set(name, [value]);
  }
  return params;
}

