import { isObject, type Tree } from './tree.ts';

/** What a secret value is shown as. */
export const REDACTED = '[redacted]';

/** Tells whether a path holds a secret, and hides secrets in values about to be shown. */
export interface Redactor {
  /** True when the path is secret (or lies below a secret path). */
  isSecret(segments: readonly string[]): boolean;
  /** The value at `segments` as it may be shown: secret leaves and subtrees replaced by `[redacted]`. */
  redact(value: Tree | undefined, segments: readonly string[]): Tree | undefined;
  /** True when nothing is secret: no pattern and no secret path. */
  readonly empty: boolean;
}

/** Paths known to hold secrets (decrypted values, secret files), by their exact segments: below a secret node is secret. */
interface PathNode {
  secret: boolean;
  children: Map<string, PathNode> | undefined;
}

/**
 * Where matching has got to along a path. For each pattern, the indexes of its parts matched so far (a pattern
 * with `**` can be at several at once): one whose every part matched marks the path secret. And the node reached
 * among the literal secret paths, undefined once the path left them.
 */
interface Progress {
  readonly patterns: readonly (readonly number[])[];
  readonly node: PathNode | undefined;
}

/**
 * Compiles secret path patterns, beside literal secret paths. A pattern is a dotted path (`database.password`,
 * `**.token`, `services.*.key`) matched against a path as it is printed, its keys joined with dots: `*` is one
 * dot-free part, `**` any number of them. So `db.password` hides both `{ db: { password } }` and a single key
 * named `db.password` (a YAML `db.password: …` or a Consul key `app/db.password`), which print alike;
 * `services.*.key` does not reach into a service whose name holds a dot, which `services.**.key` does. A literal
 * path is the exact segments where a configuration's sources put a decrypted value or a secret file. Whatever
 * lies below a secret path is secret. Matching costs the path's length times the patterns' length: no pattern can
 * make it backtrack.
 */
export function createRedactor(patterns: readonly string[] = [], paths: readonly (readonly string[])[] = []): Redactor {
  const compiled = patterns.map(compile);
  const trie = trieOf(paths);
  const empty = compiled.length === 0 && trie === undefined;
  const start: Progress = { patterns: compiled.map((pattern) => close(pattern, [0])), node: trie };
  const done = (progress: Progress) =>
    progress.node?.secret === true || progress.patterns.some((positions, i) => positions.includes(compiled[i]!.length));
  const advance = (progress: Progress, segment: string): Progress => {
    let next = progress.patterns;
    // A key holding dots is matched part by part, as it prints.
    for (const part of segment.includes('.') ? segment.split('.') : [segment]) {
      next = next.map((positions, i) => step(compiled[i]!, positions, part));
    }
    return { patterns: next, node: progress.node?.children?.get(segment) };
  };
  const along = (segments: readonly string[]): Progress => {
    let progress = start;
    for (const segment of segments) {
      if (done(progress)) break;
      progress = advance(progress, segment);
    }
    return progress;
  };
  const redactFrom = (value: Tree, progress: Progress): Tree => {
    if (done(progress)) return REDACTED;
    if (Array.isArray(value)) return (value as readonly Tree[]).map((item, i) => redactFrom(item, advance(progress, String(i))));
    if (!isObject(value)) return value;
    const out: Record<string, Tree> = {};
    for (const key of Object.keys(value)) out[key] = redactFrom(value[key]!, advance(progress, key));
    return out;
  };
  return {
    isSecret: (segments) => !empty && done(along(segments)),
    redact: (value, segments) => (empty || value === undefined ? value : redactFrom(value, along(segments))),
    empty,
  };
}

/** The literal secret paths as a tree of segments; undefined when there are none. */
function trieOf(paths: readonly (readonly string[])[]): PathNode | undefined {
  if (paths.length === 0) return undefined;
  const root: PathNode = { secret: false, children: undefined };
  for (const path of paths) {
    let node = root;
    for (const segment of path) {
      if (node.secret) break;
      node.children ??= new Map();
      let child = node.children.get(segment);
      if (child === undefined) node.children.set(segment, (child = { secret: false, children: undefined }));
      node = child;
    }
    // Everything below is secret already: what was recorded there is not needed.
    node.secret = true;
    node.children = undefined;
  }
  return root;
}

/** A pattern's parts, each run of `**` one `**` (`**.**` matches what `**` does, and each would be a position). */
function compile(pattern: string): string[] {
  const parts: string[] = [];
  for (const part of pattern.split('.')) if (part !== '**' || parts.at(-1) !== '**') parts.push(part);
  return parts;
}

/**
 * The positions reached once `**` parts (which may match nothing) are skipped, each once, in one pass: a position
 * is only ever followed by higher ones, so the positions come out in order and a repeat is the last one added.
 * (Searched with `includes`, a pattern of 1,000 parts took a minute of CPU to redact a small config.)
 */
function close(pattern: readonly string[], positions: readonly number[]): number[] {
  const out: number[] = [];
  for (let position of positions) {
    // Positions come in order; those already reached from an earlier one are skipped.
    if (out.length > 0 && position <= out.at(-1)!) continue;
    for (;;) {
      out.push(position);
      if (pattern[position] !== '**') break;
      position++;
    }
  }
  return out;
}

/** The positions reached by matching one more part of a path, in order. */
function step(pattern: readonly string[], positions: readonly number[], part: string): number[] {
  const next: number[] = [];
  for (const position of positions) {
    const expected = pattern[position];
    let reached: number | undefined;
    if (expected === undefined) reached = position; // the whole pattern matched: what lies below is secret
    else if (expected === '**') reached = position;
    else if (expected === '*' || expected === part) reached = position + 1;
    // In order, and a `**` at p and a match at p - 1 may both reach p.
    if (reached !== undefined && reached !== next.at(-1)) next.push(reached);
  }
  return close(pattern, next);
}
