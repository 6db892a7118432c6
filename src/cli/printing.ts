// What the command prints of text it did not write itself (keys, values, paths, store names, other programs'
// messages): none of it may send a terminal a control sequence. A key or a value comes from whoever can write a
// file, an environment variable or a store key the command reads.

/**
 * Every control character: C0, DEL and C1 (U+009B is CSI, as ESC [ is, for the terminals that read C1 in UTF-8);
 * the line and paragraph separators, which viewers and log shippers may break lines at; and the bidirectional
 * controls, which make a line read otherwise than it is (U+202A–U+202E, U+2066–U+2069).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

// The same, but for the line end (LF, and CR before LF: a file written on Windows) and the
// tab, which a value printed whole may hold (a PEM certificate). A CR alone returns to the start of the line, to print over it: it is escaped.
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;
// What JSON.stringify leaves as it is of the above: DEL, C1, the separators and the bidirectional controls.
const LEFT_BY_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A key, a path or a source name (which may hold a store's key) as printed for a person: its control characters
 * escaped as in JSON (`\u000a`), so a key written by someone else cannot start a line of its own in the output (a
 * forged change or explanation) nor send the terminal a sequence (ESC).
 */
export function printable(text: string): string {
  return text.replace(CONTROL, escapeChar);
}

/**
 * A value as JSON, every control character escaped: JSON.stringify escapes C0 but leaves DEL and C1, which a terminal
 * may take as controls, and the separators and bidirectional controls. The result is the same JSON (`\u009b` reads back as the character).
 */
export function jsonText(value: unknown, indent?: number): string {
  const json = JSON.stringify(value, null, indent) as string | undefined;
  return json === undefined ? 'null' : json.replace(LEFT_BY_JSON, escapeChar);
}

/** Text printed as lines (a value printed whole, commander's messages that quote arguments): control characters but line ends and tabs escaped. */
export function printableLines(text: string): string {
  return text.replace(CONTROL_BUT_LAYOUT, escapeChar);
}

/**
 * A string value printed whole (`get` of a string, `decrypt`): as it is for a program reading it, but for a terminal
 * with its control characters escaped, except line ends and tabs (`ls` does the same with file names).
 */
export function shownText(text: string, terminal: boolean): string {
  return terminal ? printableLines(text) : text;
}
