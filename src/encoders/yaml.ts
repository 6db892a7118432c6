import jsyaml from 'js-yaml';
import { ConfigError } from '../errors.ts';
import { DEFAULT_MAX_BYTES } from '../reader/budget.ts';
import { decodeError, type BuiltinEncoder, type DecodeBounds } from './encoder.ts';
import { createGuard, GuardError, positionIn, type ParserState } from './yaml-guard.ts';
import { scalarEvents, schema } from './yaml-schema.ts';

/** js-yaml's load options that its type declarations leave out. */
interface LoadOptions extends jsyaml.LoadOptions {
  maxDepth: number;
  maxTotalMergeKeys: number;
}

/**
 * YAML 1.2 (core schema) with `<<` merge keys and unique keys, read by js-yaml straight into data: memory follows
 * the document, not a document model (a thread decodes 4 MiB of typical YAML in a heap of 32 MiB, bench/yaml-heap.ts).
 * What the parser builds is checked node by node as it is built (yaml-guard.ts): aliases and merges may not expand
 * the data past `maxBytes` nor `maxValues`, nesting may not go past `maxDepth`; errors name the line and column and
 * describe the problem in words of our own.
 */
export const yamlEncoder: BuiltinEncoder = {
  format: 'yaml',
  decode(text, bounds: DecodeBounds = { maxBytes: DEFAULT_MAX_BYTES, maxDepth: 64 }) {
    // js-yaml drops a byte order mark before it reads: its offsets are then one short on the first line.
    const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    const body = bom ? text.slice(1) : text;
    const joined = markStartingLine(body);
    if (joined !== -1) {
      throw decodeError('yaml', 'YAML allows a byte order mark only before the document, and one starts a line (two files joined?)', positionIn(body, joined, bom));
    }
    const guard = createGuard(body, bounds);
    const options: LoadOptions = {
      schema,
      // One level below the deepest collection allowed: the guard refuses that collection as it closes, and the
      // parser never recurses further (forty thousand `[` are refused at the 66th).
      maxDepth: bounds.maxDepth + 1,
      // Merges are bounded by `maxBytes` as they are counted by the guard, not by a count of keys of their own.
      maxTotalMergeKeys: -1,
      listener(event, state) {
        if (event === 'open') guard.open(state as unknown as ParserState);
        else guard.close(state as unknown as ParserState);
      },
    };
    scalarEvents.overflow = false;
    try {
      return jsyaml.load(body, options) ?? null;
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      if (error instanceof GuardError) {
        const position = positionIn(body, error.offset, bom);
        if (error.limit) throw new ConfigError(error.reason, { code: 'LIMIT', position });
        throw decodeError('yaml', error.reason, position);
      }
      throw describe(error, guard.innermost(), body, bom, bounds.maxDepth);
    }
  },
};

/**
 * The offset of the first byte order mark that starts a line, or -1. Files joined together (`cat base.yaml
 * local.yaml`), the second saved with a mark, put one there; js-yaml reads it into the next key (`\uFEFFport`, which
 * no read of `port` finds), where YAML allows a mark only before a document (and within a quoted scalar). JSON and
 * TOML refuse it as any character out of place. Linear: each mark is looked at once.
 */
function markStartingLine(body: string): number {
  for (let at = body.indexOf('\uFEFF'); at !== -1; at = body.indexOf('\uFEFF', at + 1)) {
    const before = at === 0 ? 0x0a : body.charCodeAt(at - 1);
    if (before === 0x0a || before === 0x0d) return at;
  }
  return -1;
}

/** js-yaml's error as ours: its reason replaced by one of our own words (it quotes aliases, tags and text). */
function describe(error: unknown, innermost: number | undefined, body: string, bom: number, maxDepth: number): ConfigError {
  // The parser recursed too deep for the stack (only with a large `maxDepth`).
  if (error instanceof RangeError) return new ConfigError(`nesting deeper than the parser can follow`, { code: 'LIMIT' });
  if (!(error instanceof jsyaml.YAMLException)) return decodeError('yaml', 'invalid document');
  const reason = reasonOf(typeof error.reason === 'string' ? error.reason : '');
  const mark = error.mark as jsyaml.Mark | undefined;
  // A tag that does not fit its node, a collection one level too deep, a bracket or quote never closed, is found
  // once the node is read (at the end of the text, for the last): the error names where the node starts.
  const atNode =
    reason === TAG_MISMATCH || reason === WRONG_KIND || reason === UNKNOWN_TAG || reason === TOO_DEEP || reason === NO_ANCHOR || reason === UNCLOSED;
  // js-yaml names the character after the backslash of an unknown escape; the escape starts at the backslash.
  const back = reason === BAD_ESCAPE && body.charCodeAt((mark?.position ?? 0) - 1) === 92 ? 1 : 0;
  const position =
    atNode && innermost !== undefined
      ? positionIn(body, innermost, bom)
      : mark && typeof mark.line === 'number'
        ? { line: mark.line + 1, column: mark.column + 1 - back + (mark.line === 0 ? bom : 0) }
        : undefined;
  // js-yaml reads `@` and a backquote, which YAML reserves, as the start of a badly indented entry.
  const at = mark && typeof mark.position === 'number' ? body.charCodeAt(mark.position) : 0;
  if (!atNode && (at === 64 || at === 96)) return decodeError('yaml', 'a plain value starts with a reserved character', position);
  if (reason === TOO_DEEP) return new ConfigError(`nesting deeper than ${maxDepth} levels`, { code: 'LIMIT', position });
  return decodeError('yaml', reason, position);
}

const TAG_MISMATCH = 'a value does not match its tag';
const WRONG_KIND = 'a tag is used on the wrong kind of node';
const UNKNOWN_TAG = 'a tag is unknown';
const TOO_DEEP = 'nesting too deep';
const NO_ANCHOR = 'an alias refers to no anchor';
const UNCLOSED = 'a bracket or a quote is not closed';
const BAD_ESCAPE = 'a double-quoted string holds an invalid escape sequence';
const MISSING = 'a character is missing (a closing quote or bracket, a comma, a colon or a space)';
const DIRECTIVE = 'a directive is invalid';
const BAD_TAG = 'a tag is invalid';
const BAD_CHARACTER = 'the text holds a character YAML does not allow';
const MERGE = 'a merge key (<<) takes a mapping, an alias of one, or a list of them';
const BLOCK_SCALAR = 'a block scalar (| or >) has an invalid header or indentation';

// The start of each of js-yaml's reasons (some go on to quote the document: a tag, an alias), and ours for it. Matched
// by prefix, one comparison each; a reason not listed (a later version's) is 'invalid document'.
const REASONS: readonly (readonly [string, string])[] = [
  ['duplicated mapping key', 'a key appears twice in a mapping'],
  ['unidentified alias', NO_ANCHOR],
  ['cannot resolve a node with', TAG_MISMATCH],
  ['unacceptable node kind for', WRONG_KIND],
  ['unknown tag', UNKNOWN_TAG],
  ['nesting exceeded maxDepth', TOO_DEEP],
  ['expected a single document', 'the text holds more than one document'],
  ['end of the stream or a document separator is expected', 'unexpected text after the document'],
  ['bad indentation of', 'bad indentation'],
  ['tab characters must not be used in indentation', 'a tab is used as indentation'],
  ['deficient indentation', 'bad indentation'],
  ['unknown escape sequence', BAD_ESCAPE],
  ['expected hexadecimal character', BAD_ESCAPE],
  ['unexpected end of the stream within', UNCLOSED],
  ['unexpected end of the document within', MISSING],
  ['missed comma between flow collection entries', MISSING],
  ['can not read an implicit mapping pair', MISSING],
  ['a whitespace character is expected after the key-value separator', MISSING],
  ['a line break is expected', MISSING],
  ["expected the node content, but found ','", 'unexpected token'],
  ['incomplete explicit mapping pair', 'unexpected token'],
  ['can not read a block mapping entry; a multiline key', 'an implicit key spans several lines'],
  ['nested arrays are not supported inside keys', 'a key is a mapping or a sequence, not a scalar'],
  ['duplication of a tag property', 'a node has more than one tag'],
  ['duplication of an anchor property', 'a node has more than one anchor'],
  ['alias node should not have any properties', 'an alias has an anchor or a tag'],
  ['name of an anchor node must contain', 'an alias or anchor has no name'],
  ['name of an alias node must contain', 'an alias or anchor has no name'],
  ['cannot merge mappings', MERGE],
  ['abnormal merge sequence size', 'a merge key (<<) lists more than 100 mappings'],
  ['named tag handle cannot contain', BAD_TAG],
  ['tag suffix cannot contain', BAD_TAG],
  ['tag name cannot contain', BAD_TAG],
  ['tag name is malformed', BAD_TAG],
  ['undeclared tag handle', BAD_TAG],
  ['repeat of a chomping mode identifier', BLOCK_SCALAR],
  ['bad explicit indentation width of a block scalar', BLOCK_SCALAR],
  ['repeat of an indentation width identifier', BLOCK_SCALAR],
  ['missing indentation for block scalar', BLOCK_SCALAR],
  ['the stream contains non-printable characters', BAD_CHARACTER],
  ['expected valid JSON character', BAD_CHARACTER],
  ['null byte is not allowed in input', BAD_CHARACTER],
  ['duplication of %YAML directive', DIRECTIVE],
  ['YAML directive accepts exactly one argument', DIRECTIVE],
  ['ill-formed argument of the YAML directive', DIRECTIVE],
  ['unacceptable YAML version of the document', DIRECTIVE],
  ['TAG directive accepts exactly two arguments', DIRECTIVE],
  ['ill-formed tag handle (first argument) of the TAG directive', DIRECTIVE],
  ['there is a previously declared suffix', DIRECTIVE],
  ['ill-formed tag prefix (second argument) of the TAG directive', DIRECTIVE],
  ['tag prefix is malformed', DIRECTIVE],
  ['directive name must not be less than one character', DIRECTIVE],
  ['directives end mark is expected', DIRECTIVE],
];

function reasonOf(reason: string): string {
  for (const [prefix, ours] of REASONS) if (reason.startsWith(prefix)) return ours;
  return 'invalid document';
}
