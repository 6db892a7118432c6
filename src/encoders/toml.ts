import { parse, TomlError } from 'smol-toml';
import { decodeError, type Encoder } from './encoder.ts';

/** TOML 1.0 with smol-toml; dates become ISO strings when the tree is normalized. */
export const tomlEncoder: Encoder = {
  format: 'toml',
  decode(text) {
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof TomlError) {
        const reason = error.message.split('\n', 1)[0]!.replace(/^Invalid TOML document: /, '');
        throw decodeError('toml', reason, { line: error.line, column: error.column }, error);
      }
      throw decodeError('toml', error instanceof Error ? error.message.split('\n', 1)[0]! : 'unreadable document', undefined, error);
    }
  },
};
