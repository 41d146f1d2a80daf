/**
 * Text from the tree made safe to print as one line: a cloned repository's file names,
 * titles and URLs must not start a new line, move the cursor, recolour the terminal or
 * reorder what is shown around them when a tool or a briefing prints them.
 */

/**
 * Control characters (C0, DEL, C1), the Unicode line and paragraph separators, and the
 * bidirectional embedding, override and isolate controls.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const HAS_UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** The text with every control or line-breaking character written as a `\uXXXX` escape. */
export function printable(text: string): string {
  if (!HAS_UNPRINTABLE.test(text)) return text;
  return text.replace(UNPRINTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/** `U+XXXX` for a character: how messages name one they must not print. */
export function codePointName(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}
