import { parse, YAMLError } from 'yaml';
import { decodeError, type Encoder } from './encoder.ts';

/** YAML 1.2 with `<<` merge keys, unique keys, and a bound on aliases (a billion-laughs document fails). */
export const yamlEncoder: Encoder = {
  format: 'yaml',
  decode(text) {
    try {
      // logLevel 'error': the parser's warnings (an unknown tag, say) would go to process warnings, quoting the text.
      return parse(text, { merge: true, uniqueKeys: true, maxAliasCount: 100, logLevel: 'error' });
    } catch (error) {
      if (error instanceof YAMLError) {
        const at = error.linePos?.[0];
        throw decodeError('yaml', firstLine(error.message), at ? { line: at.line, column: at.col } : undefined, error);
      }
      // The alias limit surfaces as a ReferenceError, recursion as a RangeError.
      throw decodeError('yaml', error instanceof Error ? firstLine(error.message) : 'unreadable document', undefined, error);
    }
  },
};

/** The parser's description without the quoted excerpt of the document that may follow it. */
function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
