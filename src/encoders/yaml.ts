import { isScalar, Lexer, parseDocument, visit, type ErrorCode, type YAMLError } from 'yaml';
import { ConfigError } from '../errors.ts';
import { DEFAULT_MAX_BYTES } from '../reader/budget.ts';
import { decodeError, positionAt, type BuiltinEncoder } from './encoder.ts';
import { yamlData } from './yaml-tree.ts';

// Keys are checked for uniqueness while the document is turned into data (the parser's own check compares every
// key of a mapping with every other); `logLevel` keeps its warnings (an unknown tag, say) off the process's
// warnings, which would quote the text.
const OPTIONS = { merge: true, uniqueKeys: false, logLevel: 'error' } as const;

/**
 * YAML 1.2 with `<<` merge keys and unique keys. Aliases and merges may not expand the data past `maxBytes` (a
 * billion-laughs document fails); errors name the line and column and describe the problem in words of our own.
 */
export const yamlEncoder: BuiltinEncoder = {
  format: 'yaml',
  decode(text, bounds = { maxBytes: DEFAULT_MAX_BYTES, maxDepth: 64 }) {
    refuseDeepFlow(text, bounds.maxDepth);
    let document;
    try {
      document = parseDocument(text, OPTIONS);
    } catch (error) {
      // The parser recursed too deep; nothing else is thrown while parsing.
      throw decodeError('yaml', error instanceof RangeError ? 'nesting too deep' : 'invalid document');
    }
    const [error] = document.errors;
    if (error) throw describe(error);
    return yamlData(document, text, bounds);
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

// The parser's messages quote the document (`Unresolved tag: !secret`, `Plain value cannot start with …`, the
// code frame after them): a message of our own is given for each of its error codes instead.
const REASONS: Readonly<Record<ErrorCode, string>> = {
  ALIAS_PROPS: 'an alias has an anchor or a tag',
  BAD_ALIAS: 'an alias or anchor is empty or ends in ":"',
  BAD_COLLECTION_TYPE: 'a tag is used on the wrong kind of collection',
  BAD_DIRECTIVE: 'a directive is invalid',
  BAD_DQ_ESCAPE: 'a double-quoted string holds an invalid escape sequence',
  BAD_INDENT: 'bad indentation',
  BAD_PROP_ORDER: 'an anchor or a tag is out of place',
  BAD_SCALAR_START: 'a plain value starts with a reserved character',
  BLOCK_AS_IMPLICIT_KEY: 'a block collection is used as an implicit key',
  BLOCK_IN_FLOW: 'a block collection is inside a flow collection',
  DUPLICATE_KEY: 'a key appears twice in a mapping',
  IMPOSSIBLE: 'invalid document',
  KEY_OVER_1024_CHARS: 'an implicit key is longer than 1024 characters',
  MISSING_CHAR: 'a character is missing (a closing quote or bracket, a comma, a colon or a space)',
  MULTILINE_IMPLICIT_KEY: 'an implicit key spans several lines',
  MULTIPLE_ANCHORS: 'a node has more than one anchor',
  MULTIPLE_DOCS: 'the text holds more than one document',
  MULTIPLE_TAGS: 'a node has more than one tag',
  NON_STRING_KEY: 'a key is not a string',
  RESOURCE_EXHAUSTION: 'the document expands too much',
  TAB_AS_INDENT: 'a tab is used as indentation',
  TAG_RESOLVE_FAILED: 'a value does not match its tag',
  UNEXPECTED_TOKEN: 'unexpected token',
};

function describe(error: YAMLError) {
  const at = error.linePos?.[0];
  return decodeError('yaml', REASONS[error.code] ?? 'invalid document', at ? { line: at.line, column: at.col } : undefined);
}

// The tokens the lexer adds that are not text of the document (a BOM, a document start, a flow end, a scalar).
const MARKERS = new Set(['\u{FEFF}', '\x02', '\x18', '\x1f']);

/**
 * Refuses flow collections nested deeper than `maxDepth` before the parser sees them: the parser's memory and time
 * grow faster than the nesting (forty thousand `[` abort the process, out of memory, where no error can be caught).
 * Only a text holding more `[` and `{` than `maxDepth` is lexed: the lexer tells a bracket of a flow collection from
 * one inside a string or a comment, in one pass.
 */
function refuseDeepFlow(text: string, maxDepth: number): void {
  let openers = 0;
  for (let i = 0; i < text.length && openers <= maxDepth; i++) {
    const code = text.charCodeAt(i);
    if (code === 91 || code === 123) openers++;
  }
  if (openers <= maxDepth) return;
  let depth = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      depth++;
      if (depth > maxDepth) {
        throw new ConfigError(`nesting deeper than ${maxDepth} levels`, { code: 'LIMIT', position: positionAt(text, offset) });
      }
    } else if (token === ']' || token === '}') {
      depth = Math.max(0, depth - 1);
    }
    if (!MARKERS.has(token)) offset += token.length;
  }
}
