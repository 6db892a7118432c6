// Text written by others (a store's key, a node's error detail, a value) as printed for a person or into a log: it
// must not send a terminal a control sequence, start a line of its own, or reorder what the reader sees.

/**
 * Every control character: C0, DEL and C1 (U+009B is CSI, as ESC [ is, for the terminals that read C1 in UTF-8);
 * the line and paragraph separators, which viewers and log shippers may break lines at; and the bidirectional
 * controls, which make a line read otherwise than it is (U+202A–U+202E, U+2066–U+2069).
 */
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** A character as a JSON escape (`\u001b`), which reads back as the character. */
export const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** A text with every character of `CONTROL` escaped as in JSON (`\u000a`). */
export function printable(text: string): string {
  return text.replace(CONTROL, escapeChar);
}

/** The start of a text, at most `max` UTF-16 units and never half a surrogate pair, `…` marking a cut. */
export function textStart(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}
