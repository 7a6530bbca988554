import { escapeJsonText } from '../../core/jsonEscape';
import { isOcsMap, ocsMapEntries, ocsNumberText, unsupportedOcsValue, type OcsValue } from './ocsValue';

/**
 * Writes OCS data as JSON (ocs-provisioning §4.4): no whitespace, members in insertion order,
 * an empty map as `[]`, strings escaped as §4.4 says (see core/jsonEscape).
 */
export function writeOcsJson(value: OcsValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return escapeJsonText(JSON.stringify(value));
    case 'number':
      return ocsNumberText(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      throw unsupportedOcsValue(value);
  }
  if (!isOcsMap(value)) {
    return `[${value.map((item) => (item === undefined ? throwUnsupported(item) : writeOcsJson(item))).join(',')}]`;
  }
  const entries = ocsMapEntries(value);
  if (entries.length === 0) return '[]';
  return `{${entries.map(([key, item]) => `${escapeJsonText(JSON.stringify(key))}:${writeOcsJson(item)}`).join(',')}}`;
}

function throwUnsupported(value: unknown): never {
  throw unsupportedOcsValue(value);
}
