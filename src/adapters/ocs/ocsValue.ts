/**
 * The data an OCS response carries (ocs-provisioning §4.4, §4.5), shared by the JSON and XML
 * writers. Arrays are lists; plain objects and Maps are maps.
 *
 * Use a Map when keys can look like integers (all-digit user ids in `users/details`): a plain
 * object would move them to the front, while a Map keeps the list order §6.2 requires.
 */
export type OcsScalar = string | number | boolean | null;
export type OcsList = readonly OcsValue[];
/** Members whose value is `undefined` are left out, as `JSON.stringify` does. */
export type OcsRecord = { readonly [key: string]: OcsValue | undefined };
export type OcsMap = ReadonlyMap<string, OcsValue>;
export type OcsValue = OcsScalar | OcsList | OcsRecord | OcsMap;

/** A map's members in order, without `undefined` values. */
export function ocsMapEntries(map: OcsRecord | OcsMap): Array<[string, OcsValue]> {
  const entries: Array<[string, OcsValue | undefined]> = map instanceof Map ? [...map.entries()] : Object.entries(map);
  return entries.filter((entry): entry is [string, OcsValue] => entry[1] !== undefined);
}

/** Decimal text of a number; OCS numbers are integers, and NaN or infinities cannot be written. */
export function ocsNumberText(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`OCS data cannot hold the number ${value}`);
  return JSON.stringify(value);
}

/** Rejects values outside OcsValue that reach the writers through untyped code. */
export function unsupportedOcsValue(value: unknown): TypeError {
  return new TypeError(`OCS data cannot hold a value of type ${typeof value}`);
}

/** True for maps (plain objects and Maps), false for lists. */
export function isOcsMap(value: OcsList | OcsRecord | OcsMap): value is OcsRecord | OcsMap {
  return !Array.isArray(value);
}
