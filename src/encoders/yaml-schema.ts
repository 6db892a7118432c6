import jsyaml from 'js-yaml';

const { FAILSAFE_SCHEMA, Type } = jsyaml;
// js-yaml's own types, which its type declarations leave out.
const types = (jsyaml as unknown as { types: Record<'merge' | 'timestamp' | 'binary', jsyaml.Type> }).types;

/** What a decode is told by the scalar types it uses (the parser's types are shared, and a decode is synchronous). */
export const scalarEvents = {
  /** Set when a number literal is beyond a double's range (`1e999`, 400 digits), which reads as an infinity. */
  overflow: false,
};

const isDigit = (code: number) => code >= 48 && code <= 57;
const isHexDigit = (code: number) => isDigit(code) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
const isOctalDigit = (code: number) => code >= 48 && code <= 55;

/** True when `text` from `start` to its end is at least one character, each passing `test`. */
function allFrom(text: string, start: number, test: (code: number) => boolean): boolean {
  if (start >= text.length) return false;
  for (let i = start; i < text.length; i++) if (!test(text.charCodeAt(i))) return false;
  return true;
}

const hasSign = (text: string) => text.charCodeAt(0) === 43 || text.charCodeAt(0) === 45; // + -

/** The core schema's integer forms: `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+` (no `0b`, no `_`, as YAML 1.2 reads them). */
function intRadix(text: string): number {
  if (text.startsWith('0o') && allFrom(text, 2, isOctalDigit)) return 8;
  if (text.startsWith('0x') && allFrom(text, 2, isHexDigit)) return 16;
  return allFrom(text, hasSign(text) ? 1 : 0, isDigit) ? 10 : 0;
}

function readInt(text: string): number {
  const radix = intRadix(text);
  const value = radix === 10 ? parseInt(text, 10) : parseInt(text.slice(2), radix);
  if (!Number.isFinite(value)) scalarEvents.overflow = true;
  return value;
}

/** `.inf`, `-.Inf`, `+.INF`, `.nan`, `.NaN`, `.NAN`: the core schema's infinities and not-a-number. */
function specialFloat(text: string): number | undefined {
  const body = hasSign(text) ? text.slice(1) : text;
  if (body === '.inf' || body === '.Inf' || body === '.INF') return text.charCodeAt(0) === 45 ? -Infinity : Infinity;
  if (body === text && (text === '.nan' || text === '.NaN' || text === '.NAN')) return NaN;
  return undefined;
}

/**
 * The core schema's decimal forms: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, with a dot or an exponent
 * (without either it is an integer). Scanned once, character by character.
 */
function isDecimal(text: string): boolean {
  let i = hasSign(text) ? 1 : 0;
  let digits = 0;
  while (i < text.length && isDigit(text.charCodeAt(i))) {
    i++;
    digits++;
  }
  let dot = false;
  if (text.charCodeAt(i) === 46) {
    dot = true;
    i++;
    const start = i;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    // `.5` needs a digit after the dot; `5.` does not.
    if (digits === 0 && i === start) return false;
    digits += i - start;
  }
  if (digits === 0) return false;
  if (i === text.length) return dot;
  const code = text.charCodeAt(i);
  if (code !== 101 && code !== 69) return false; // e E
  i++;
  if (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45) i++;
  return allFrom(text, i, isDigit);
}

function readFloat(text: string): number {
  const special = specialFloat(text);
  if (special !== undefined) return special;
  const value = parseFloat(text);
  if (!Number.isFinite(value)) scalarEvents.overflow = true;
  return value;
}

const nullType = new Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (data: string | null) => data === null || data === '' || data === '~' || data === 'null' || data === 'Null' || data === 'NULL',
  construct: () => null,
});

const boolType = new Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string | null) =>
    data === 'true' || data === 'True' || data === 'TRUE' || data === 'false' || data === 'False' || data === 'FALSE',
  construct: (data: string) => data.charCodeAt(0) === 116 || data.charCodeAt(0) === 84, // t T
});

const intType = new Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && intRadix(data) !== 0,
  construct: readInt,
});

const isFloat = (data: string | null) => data !== null && (specialFloat(data) !== undefined || isDecimal(data));
const floatType = new Type('tag:yaml.org,2002:float', { kind: 'scalar', resolve: isFloat, construct: readFloat });

/**
 * The same type for an explicit tag (`!!int abc`): text that does not match it stays text, as the yaml package
 * keeps it (with a warning nobody reads), rather than refusing the document.
 */
function lenient(type: jsyaml.Type): jsyaml.Type {
  return new Type((type as jsyaml.Type & { tag: string }).tag, {
    kind: 'scalar',
    resolve: () => true,
    construct: (data: string | null) => (type.resolve(data) ? type.construct(data) : (data ?? '')),
  });
}

/** True for a plain object of one key or none (a hostile key is dropped when its mapping closes). */
function isPairObject(item: unknown): item is Record<string, unknown> {
  if (typeof item !== 'object' || item === null || Object.getPrototypeOf(item) !== Object.prototype) return false;
  return Object.keys(item).length <= 1;
}

// `!!set` is a list of its members (the keys' text), `!!omap` an object in its order (a key twice does not match
// the tag), `!!pairs` a list of one-key objects: the shapes a tree can hold.
const setType = new Type('tag:yaml.org,2002:set', {
  kind: 'mapping',
  resolve: (data: Record<string, unknown> | null) => data === null || Object.values(data).every((value) => value === null),
  construct: (data: Record<string, unknown> | null) => (data === null ? [] : Object.keys(data)),
});

const omapType = new Type('tag:yaml.org,2002:omap', {
  kind: 'sequence',
  resolve: (data: unknown[] | null) => {
    if (data === null) return true;
    const seen = new Set<string>();
    for (const item of data) {
      if (!isPairObject(item)) return false;
      for (const key of Object.keys(item)) {
        if (seen.has(key)) return false;
        seen.add(key);
      }
    }
    return true;
  },
  construct: (data: Record<string, unknown>[] | null) => {
    const out: Record<string, unknown> = {};
    for (const item of data ?? []) for (const key of Object.keys(item)) out[key] = item[key];
    return out;
  },
});

const pairsType = new Type('tag:yaml.org,2002:pairs', {
  kind: 'sequence',
  resolve: (data: unknown[] | null) => data === null || data.every(isPairObject),
  construct: (data: unknown[] | null) => data ?? [],
});

// A tag of the document's own (`!secret x`, `!Ref y`, `!include f`) means something to another program: the value is
// read as if it were untagged text, list or mapping, as the yaml package does, rather than refusing the document.
// The same goes for a global tag the schema does not know (`!!foo`, `!<tag:example.com,2000:x>`): every tag starts
// with the empty prefix, and one the schema knows is looked up before these.
const unknown = (kind: 'scalar' | 'sequence' | 'mapping', empty: () => unknown) =>
  new Type('', { kind, multi: true, resolve: () => true, construct: (data: unknown) => data ?? empty() });

/**
 * YAML 1.2's core schema as the `yaml` package reads it (no `0b`, `1_000`, `yes`, `on` or implicit dates), with
 * `<<` merge keys; explicit `!!timestamp`, `!!binary`, `!!set`, `!!omap` and `!!pairs`; unknown tags read as untagged.
 */
export const schema = FAILSAFE_SCHEMA.extend({
  implicit: [nullType, boolType, intType, floatType, types.merge],
  explicit: [
    ...[nullType, boolType, intType, floatType].map(lenient),
    types.timestamp,
    types.binary,
    setType,
    omapType,
    pairsType,
    unknown('scalar', () => ''),
    unknown('sequence', () => []),
    unknown('mapping', () => ({})),
  ],
});

/** The tag js-yaml gives a `<<` key. */
export const MERGE_TAG = 'tag:yaml.org,2002:merge';
