import { overflows } from './overflow.ts';
import { visitTomlValues } from './toml-values.ts';

/**
 * Where a float literal beyond a double's range is (`1e999`, which the parser reads as infinity without a word);
 * `inf` says infinity on purpose and stays. The text has already parsed, so one pass can tell values from keys
 * (`visitTomlValues`): only a word in value position is looked at. Each character is looked at once, whatever the
 * document holds.
 */
export function findTomlOverflow(text: string): number | undefined {
  let found: number | undefined;
  visitTomlValues(text, (kind, start, end) => {
    if (kind === 'word' && overflows(text.slice(start, end))) found = start;
    return found !== undefined;
  });
  return found;
}
