import { createCB } from 'xmlbuilder2';
import { isOcsMap, ocsMapEntries, ocsNumberText, unsupportedOcsValue, type OcsValue } from './ocsValue';

/*
 * The XML document of §4.5, written by xmlbuilder2's streaming callback builder (`createCB`): the
 * library writes the declaration, the elements, the one-space indentation and the line breaks.
 * Each element is closed as its content requires: `ele(x).up()` writes `<x/>` (`null`, empty
 * list or map) and `ele(x).txt('').up()` writes `<x></x>` (`""`, `false`), as §4.5 needs in one
 * document.
 *
 * Element text is escaped here before it reaches `txt()`, because the library's own text escaping
 * (4.0.3, probed) does not give the bytes of §4.5 and is lossy:
 * - it leaves `&` alone when it starts `&amp;`, `&lt;`, `&gt;`, `&apos;` or `&quot;`, so the user
 *   text `&amp;` would be written as `&amp;` and read back as `&`;
 * - it writes `"` and carriage return raw, while §4.5 requires `&quot;` and `&#13;`.
 * Pre-escaped text (`&amp;` `&lt;` `&gt;` `&quot;`, invalid characters dropped) passes through the
 * library unchanged, since every `&` in it starts one of the entities it leaves alone. A `&#13;`
 * handed to `txt()` would come out as `&amp;#13;`, so carriage returns are handed over raw and
 * replaced in the written chunks: the library's own markup never contains one (its newline is
 * `\n`), so each carriage return in the output is one from element text.
 *
 * `wellFormed` makes the library refuse invalid element names and characters; its errors are
 * thrown. Element names come from `xmlElementName`, so they are always valid.
 */

/** Keys that are XML names of §4.5; any other key is written as `<element>`. */
const ELEMENT_NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;
/** Characters outside the XML 1.0 `Char` production (§4.5: dropped), lone surrogates included. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;
const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const CARRIAGE_RETURN = /\r/g;
const CARRIAGE_RETURN_REFERENCE = '&#13;';

/** Text as handed to the builder: §4.5 escaping except carriage return, which stays raw. */
function builderText(text: string): string {
  return text.replace(NOT_XML_CHAR, '').replace(/[&<>"]/g, (character) => TEXT_ESCAPES[character]);
}

/** Escapes element text as §4.5 says, after dropping characters XML 1.0 does not allow. */
export function escapeXmlText(text: string): string {
  return builderText(text).replace(CARRIAGE_RETURN, CARRIAGE_RETURN_REFERENCE);
}

/** The element name of a map key (§4.5). */
export function xmlElementName(key: string): string {
  return ELEMENT_NAME.test(key) ? key : 'element';
}

type XmlWriter = ReturnType<typeof createCB>;

/**
 * The complete §4.5 document: the declaration, then the element `name` holding `value`, then a
 * newline. `name` must be a valid element name.
 */
export function writeOcsXmlDocument(name: string, value: OcsValue): string {
  const chunks: string[] = [];
  const xml = createCB({
    data: (chunk: string) => {
      chunks.push(chunk.includes('\r') ? chunk.replace(CARRIAGE_RETURN, CARRIAGE_RETURN_REFERENCE) : chunk);
    },
    error: (error: Error) => {
      throw error;
    },
    wellFormed: true,
    prettyPrint: true,
    indent: ' ',
    newline: '\n',
  });
  xml.dec({ version: '1.0' });
  writeElement(xml, name, value);
  xml.end();
  return `${chunks.join('')}\n`;
}

/** Writes element `name` holding `value` (§4.5); `name` must be a valid element name. */
function writeElement(xml: XmlWriter, name: string, value: OcsValue): void {
  if (value === null) {
    xml.ele(name).up();
    return;
  }
  switch (typeof value) {
    case 'string':
      xml.ele(name).txt(builderText(value)).up();
      return;
    case 'number':
      xml.ele(name).txt(ocsNumberText(value)).up();
      return;
    case 'boolean':
      xml.ele(name).txt(value ? '1' : '').up();
      return;
    case 'object':
      break;
    default:
      throw unsupportedOcsValue(value);
  }
  xml.ele(name);
  if (isOcsMap(value)) {
    for (const [key, item] of ocsMapEntries(value)) writeElement(xml, xmlElementName(key), item);
  } else {
    for (const item of value) {
      if (item === undefined) throw unsupportedOcsValue(item);
      writeElement(xml, 'element', item);
    }
  }
  xml.up();
}
