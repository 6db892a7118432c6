import { isScalar, parse, parseDocument, visit, YAMLError } from 'yaml';
import { decodeError, type Encoder } from './encoder.ts';

// logLevel 'error': the parser's warnings (an unknown tag, say) would go to process warnings, quoting the text.
const OPTIONS = { merge: true, uniqueKeys: true, maxAliasCount: 100, logLevel: 'error' } as const;

/** YAML 1.2 with `<<` merge keys, unique keys, and a bound on aliases (a billion-laughs document fails). */
export const yamlEncoder: Encoder = {
  format: 'yaml',
  decode(text) {
    try {
      return parse(text, OPTIONS);
    } catch (error) {
      if (error instanceof YAMLError) {
        const at = error.linePos?.[0];
        throw decodeError('yaml', firstLine(error.message), at ? { line: at.line, column: at.col } : undefined, error);
      }
      // The alias limit surfaces as a ReferenceError, recursion as a RangeError.
      throw decodeError('yaml', error instanceof Error ? firstLine(error.message) : 'unreadable document', undefined, error);
    }
  },
  // `1e999` is read as infinity without a word; `.inf` says infinity on purpose and stays.
  overflowAt(text) {
    let found: number | undefined;
    visit(parseDocument(text, OPTIONS), {
      Scalar(_key, node) {
        if (!isScalar(node) || typeof node.value !== 'number' || Number.isFinite(node.value) || !node.range) return undefined;
        if (!/\d/.test(text.slice(node.range[0], node.range[1]))) return undefined;
        found = node.range[0];
        return visit.BREAK;
      },
    });
    return found;
  },
};

/** The parser's description without the quoted excerpt of the document that may follow it. */
function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
