import { envKeyToSegments, unflatten } from '../reader/keys.ts';
import { scanDotenv } from './dotenv-scan.ts';
import { refuseValuesPast, type BuiltinEncoder } from './encoder.ts';

/**
 * The variables of a .env text as a flat name → value record (dotenv's grammar; nothing is executed), read in one pass
 * (`scanDotenv`: test/encoders/dotenv.test.ts compares it with dotenv's `parse`). dotenv's regular expression starts
 * at each line with `\s*`, which runs over every blank line after it: 64 KiB of newlines cost it 5 s, a MiB about
 * 20 minutes.
 */
export function parseDotenv(text: string): Record<string, string> {
  return scanDotenv(text);
}

/** A .env document as a config layer: names map to paths as the environment's do (`DB_HOST` → `db.host`). */
export const dotenvEncoder: BuiltinEncoder = {
  format: 'dotenv',
  decode(text, bounds) {
    refuseValuesPast(text, bounds, countDotenvAssignments, 'the variables it sets, those set again included');
    const vars = parseDotenv(text);
    return unflatten(Object.keys(vars).map((name) => ({ segments: envKeyToSegments(name), value: vars[name]! })));
  },
};

/** True for the characters of a variable's name in dotenv's grammar (`[\w.-]`). */
function isNameChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 46 || code === 45;
}

/**
 * How many lines of a .env text set a variable (a name, then `=` or `: `, after spaces and an optional `export`),
 * counted up to `most + 1` (the count stops there); each sets a value, a name set again included. A line inside a
 * quoted value spread over lines that looks like one is counted too. One pass, no backtracking.
 */
export function countDotenvAssignments(text: string, most: number): number {
  let count = 0;
  let i = 0;
  while (i < text.length && count <= most) {
    while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
    if (text.startsWith('export ', i)) i += 7;
    while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
    const start = i;
    while (i < text.length && isNameChar(text.charCodeAt(i))) i++;
    const named = i > start;
    while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
    if (named && (text.charCodeAt(i) === 61 /* = */ || (text.charCodeAt(i) === 58 /* : */ && /\s/.test(text[i + 1] ?? '')))) count++;
    const end = text.indexOf('\n', i);
    i = end < 0 ? text.length : end + 1;
  }
  return count;
}
