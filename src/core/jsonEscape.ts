/**
 * The JSON string escaping shared by the OCS (ocs-provisioning §4.4) and nmcuser_oidc
 * (nmcuser-oidc §3) adapters: `/` → `\/`, `<` → `\u003C`, `>` → `\u003E`, and every non-ASCII
 * UTF-16 code unit → `\uXXXX` with lowercase hex (so characters above U+FFFF become a surrogate
 * pair). It lives in core because adapters may not import each other.
 */

const NEEDS_ESCAPE = /[/<>\u0080-\uffff]/g;

function escapeCodeUnit(character: string): string {
  switch (character) {
    case '/':
      return '\\/';
    case '<':
      return '\\u003C';
    case '>':
      return '\\u003E';
    default:
      return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}

/**
 * Applies the escaping to JSON text produced by `JSON.stringify`. Safe on a whole document: in
 * `JSON.stringify` output `/`, `<`, `>` and non-ASCII characters occur only inside strings, and
 * its own escapes contain none of them.
 */
export function escapeJsonText(json: string): string {
  return json.replace(NEEDS_ESCAPE, escapeCodeUnit);
}

/** `JSON.stringify` (no whitespace) followed by {@link escapeJsonText}. */
export function stringifyEscapedJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`Cannot serialise ${typeof value} as JSON`);
  return escapeJsonText(json);
}
