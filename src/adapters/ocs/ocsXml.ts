import { isOcsMap, ocsMapEntries, ocsNumberText, unsupportedOcsValue, type OcsValue } from './ocsValue';

/*
 * Hand-written rather than built with an XML library: §4.5 fixes bytes that xmlbuilder2 (4.0.3,
 * probed) cannot produce. It writes an empty text node as `<x/>`, and its only switch,
 * `allowEmptyTags`, turns every empty element of the document into `<x></x>`, while §4.5 needs
 * both in one document (`null` and empty lists → `<x/>`, `""` and `false` → `<x></x>`). Its text
 * escaping leaves `"` and carriage return raw, while §4.5 requires `&quot;` and `&#13;`.
 * The format has no attributes, namespaces or mixed content, so a small writer is exact.
 */

/** Keys that are XML names of §4.5; any other key is written as `<element>`. */
const ELEMENT_NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;
/** Characters outside the XML 1.0 `Char` production (§4.5: dropped), lone surrogates included. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;
const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;' };

/** Escapes element text as §4.5 says, after dropping characters XML 1.0 does not allow. */
export function escapeXmlText(text: string): string {
  return text.replace(NOT_XML_CHAR, '').replace(/[&<>"\r]/g, (character) => TEXT_ESCAPES[character]);
}

/** The element name of a map key (§4.5). */
export function xmlElementName(key: string): string {
  return ELEMENT_NAME.test(key) ? key : 'element';
}

/**
 * Appends the lines of element `name` holding `value`, indented by `depth` spaces (§4.5).
 * `name` must already be a valid element name.
 */
export function writeOcsXmlElement(lines: string[], name: string, value: OcsValue, depth: number): void {
  const indent = ' '.repeat(depth);
  if (value === null) {
    lines.push(`${indent}<${name}/>`);
    return;
  }
  switch (typeof value) {
    case 'string':
      lines.push(`${indent}<${name}>${escapeXmlText(value)}</${name}>`);
      return;
    case 'number':
      lines.push(`${indent}<${name}>${ocsNumberText(value)}</${name}>`);
      return;
    case 'boolean':
      lines.push(`${indent}<${name}>${value ? '1' : ''}</${name}>`);
      return;
    case 'object':
      break;
    default:
      throw unsupportedOcsValue(value);
  }
  const children: Array<[string, OcsValue]> = isOcsMap(value)
    ? ocsMapEntries(value).map(([key, item]) => [xmlElementName(key), item])
    : value.map((item) => {
        if (item === undefined) throw unsupportedOcsValue(item);
        return ['element', item];
      });
  if (children.length === 0) {
    lines.push(`${indent}<${name}/>`);
    return;
  }
  lines.push(`${indent}<${name}>`);
  for (const [childName, child] of children) writeOcsXmlElement(lines, childName, child, depth + 1);
  lines.push(`${indent}</${name}>`);
}
