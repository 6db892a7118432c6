import { parse, TomlError } from 'smol-toml';
import { ConfigError } from '../errors.ts';
import { decodeError, refuseValuesPast, type BuiltinEncoder } from './encoder.ts';
import { findTomlOverflow } from './toml-overflow.ts';
import { countTomlValues } from './toml-values.ts';

/**
 * TOML 1.0 with smol-toml; dates become ISO strings when the tree is normalized. A text that writes more values than
 * the layer may hold (`bounds.maxValues`) is refused before the parser builds them: a MiB of keys is 93,000 values
 * and tens of MiB of the parser's heap.
 */
export const tomlEncoder: BuiltinEncoder = {
  format: 'toml',
  decode(text, bounds) {
    refuseValuesPast(text, bounds, countTomlValues, 'its objects, arrays and leaves');
    const maxDepth = bounds?.maxDepth ?? 64;
    try {
      // Arrays and inline tables nest inside a key's table, itself one level at least: one more than maxDepth - 1 of
      // them is too deep wherever it stands, and is refused where the parser reaches it (it allowed 1,000, then said
      // DECODE; within that, the layer was refused with no place).
      return parse(text, { maxDepth: Math.max(0, maxDepth - 1) });
    } catch (error) {
      // The parser's own error is not kept as the cause: its message carries a code frame of the document.
      if (error instanceof TomlError && reasonOf(error) === TOO_DEEP) {
        throw new ConfigError(`nesting deeper than ${maxDepth} levels`, { code: 'LIMIT', position: { line: error.line, column: error.column } });
      }
      if (error instanceof TomlError) throw decodeError('toml', reasonOf(error), { line: error.line, column: error.column });
      throw decodeError('toml', error instanceof RangeError ? 'nesting too deep' : 'invalid document');
    }
  },
  overflowAt: findTomlOverflow,
};

// smol-toml's reasons, each a fixed sentence that quotes nothing of the document. Any other (a future version's,
// or one carrying a date library's message) is replaced by a generic one rather than risk quoting a value.
const TOO_DEEP = 'document contains excessively nested structures. aborting.';

const REASONS = new Set([
  'control characters are not allowed in comments',
  'control characters are not allowed in strings',
  'document contains an unsafe property',
  'document contains excessively nested structures. aborting.',
  'each key-value declaration must be followed by an end-of-line',
  'expected comma or end of structure',
  'expected end of table array declaration',
  'illegal character in key',
  'illegal character in numeric literal',
  'illegal empty bare key',
  'illegal leading zero',
  'illegal quoted key: multiline strings are not allowed',
  'illegal underscore',
  'incomplete key-value: cannot find end of key',
  'integer value cannot be represented losslessly',
  'invalid date',
  'invalid date-time: date part is malformed',
  'invalid date-time: time part is malformed',
  'invalid escape: only line-ending whitespace may be escaped',
  'invalid non-hex character in unicode escape',
  'invalid unicode escape',
  'invalid value',
  'trying to redefine an already defined table or value',
  'trying to redefine an already defined value',
  'unexpected end of key',
  'unfinished array',
  'unfinished numeric value',
  'unfinished string',
  'unfinished table',
  'unrecognised escape sequence',
]);

function reasonOf(error: TomlError): string {
  const reason = error.message.split('\n', 1)[0]!.replace(/^Invalid TOML document: /, '');
  return REASONS.has(reason) ? reason : 'invalid document';
}
