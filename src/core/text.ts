/** Text rules shared by the procedures and the configuration. */

/** Characters as users count them (code points, not UTF-16 units). */
export function characterCount(value: string): number {
  return [...value].length;
}

/** A NUL character, which no stored text value can hold. */
export function hasNul(value: string): boolean {
  return value.includes('\u0000');
}
