import { parse, TomlError } from 'smol-toml';
import { decodeError, type Encoder } from './encoder.ts';
import { overflows } from './overflow.ts';

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
  overflowAt: findOverflow,
};

/**
 * Where a float literal beyond a double's range is (`1e999`, which the parser reads as infinity without a word);
 * `inf` says infinity on purpose and stays. The text has parsed, so a literal in value position (after `=`, `[`,
 * `,`, `{` or at the start of a line of a multi-line array), outside strings and not a key (followed by `=` or `.`),
 * is a value.
 */
function findOverflow(text: string): number | undefined {
  const multiline = [...text.matchAll(/"""[\s\S]*?"""(?!")|'''[\s\S]*?'''(?!')/g)].map((m) => [m.index, m.index + m[0].length] as const);
  for (const match of text.matchAll(/[-+]?\d[\d_]*(?:\.[\d_]+)?(?:[eE][-+]?[\d_]+)?/g)) {
    if (!overflows(match[0]) || multiline.some(([start, end]) => match.index > start && match.index < end)) continue;
    const lineStart = text.lastIndexOf('\n', match.index - 1) + 1;
    const before = text.slice(lineStart, match.index);
    const quotes = (before.match(/(?<!\\)["']/g) ?? []).length;
    const isKey = /^\s*[=.]/.test(text.slice(match.index + match[0].length, match.index + match[0].length + 64));
    if (quotes % 2 === 0 && !isKey && /(^|[=[,{])\s*$/.test(before)) return match.index;
  }
  return undefined;
}
