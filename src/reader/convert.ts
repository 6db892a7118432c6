// Go's strconv and time grammars, so that strings from env, flags and files convert exactly as in Go Config.
// JavaScript's own (parseInt("4.5"), Number(" 42"), Boolean("false")) all disagree with Go.
//
// A conversion looks only at what can matter: a string longer than LONGEST_NUMBER is never a number or a
// duration (the longest exact decimal form of a double is under 800 characters), so a value of megabytes costs
// one length check, not a parse. Go would still read, say, an integer written with a thousand leading zeros.

/** The longest text a numeric or duration conversion reads; anything longer falls back to the default. */
export const LONGEST_NUMBER = 1024;

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool; undefined when the text is not one of its spellings. */
export function parseBool(text: string): boolean | undefined {
  if (text.length > 5) return undefined;
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  return undefined;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Go's strconv.Atoi on a 64-bit platform; undefined when the text is not a base-10 int64. */
export function parseInt64(text: string): number | undefined {
  if (text.length === 0 || text.length > LONGEST_NUMBER) return undefined;
  const signed = text.charCodeAt(0) === 43 || text.charCodeAt(0) === 45; // + -
  let significant = 0;
  for (let i = signed ? 1 : 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return undefined;
    // Leading zeros do not count; past 19 significant digits the value is beyond int64.
    if (significant > 0 || code !== 48) significant++;
  }
  if (signed && text.length === 1) return undefined;
  if (significant > 19) return undefined;
  // Below 16 digits a double holds the value exactly; above, check int64 range with bigint.
  if (significant < 16) return Number(text);
  const big = BigInt(text);
  return big > INT64_MAX || big < INT64_MIN ? undefined : Number(big);
}

/** True when a number is integral and inside int64 (Go's Int on a JSON number). */
export function isInt64(value: number): boolean {
  return Number.isInteger(value) && value >= -9223372036854775808 && value < 9223372036854775808;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX_FLOAT = /^[+-]?0[xX](?:[0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?|\.[0-9a-fA-F]+)[pP][+-]?\d+$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/** Go's strconv.ParseFloat(s, 64); undefined for text Go rejects (spaces, out of range, …). */
export function parseFloat64(text: string): number | undefined {
  if (text.length > LONGEST_NUMBER) return undefined;
  const special = SPECIAL.exec(text);
  if (special) {
    const [, sign, word] = special;
    if (word!.toLowerCase() === 'nan') return sign === '' ? Number.NaN : undefined;
    return sign === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  let value: number;
  if (DECIMAL.test(text)) {
    value = Number(text);
  } else if (HEX_FLOAT.test(text)) {
    value = hexFloat(text);
  } else {
    return undefined;
  }
  return Number.isFinite(value) ? value : undefined;
}

function hexFloat(text: string): number {
  const negative = text.startsWith('-');
  const body = text.replace(/^[+-]?0[xX]/, '');
  const [mantissa = '', exponent = '0'] = body.split(/[pP]/);
  const [whole = '', fraction = ''] = mantissa.split('.');
  let value = 0;
  for (const digit of whole + fraction) value = value * 16 + parseInt(digit, 16);
  value = value * 2 ** (Number(exponent) - 4 * fraction.length);
  return negative ? -value : value;
}

/** Milliseconds per Go duration unit. */
const UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
// µs with the micro sign (U+00B5) or the Greek mu (U+03BC), escaped so that the bundle stays ASCII.
const DURATION_PART = /(\d*)(?:\.(\d*))?(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;

/** Go's time.ParseDuration, answered in milliseconds; undefined for text Go rejects. */
export function parseDuration(text: string): number | undefined {
  if (text.length > LONGEST_NUMBER) return undefined;
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < rest.length) {
    const match = DURATION_PART.exec(rest);
    if (!match) return undefined;
    const [, whole = '', fraction = '', unit = ''] = match;
    if (whole === '' && fraction === '') return undefined;
    total += Number(`${whole || '0'}.${fraction || '0'}`) * UNITS[unit]!;
  }
  // Go's duration is an int64 of nanoseconds: about 292 years.
  if (total > 9223372036854.775) return undefined;
  return sign * total;
}
