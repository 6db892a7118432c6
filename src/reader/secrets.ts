import { isObject, type Tree } from './tree.ts';

/** What a secret value is shown as. */
export const REDACTED = '[redacted]';

/** Tells whether a path holds a secret, and hides secrets in values about to be shown. */
export interface Redactor {
  /** True when the path is secret (or lies below a secret path). */
  isSecret(segments: readonly string[]): boolean;
  /** The value at `segments` as it may be shown: secret leaves and subtrees replaced by `[redacted]`. */
  redact(value: Tree | undefined, segments: readonly string[]): Tree | undefined;
  /** True when no pattern was given. */
  readonly empty: boolean;
}

/**
 * Where each pattern has got to along a path: for each pattern, the indexes of its parts matched so far (a
 * pattern with `**` can be at several at once). A pattern whose every part matched marks the path secret.
 */
type Progress = readonly (readonly number[])[];

/**
 * Compiles secret path patterns. A pattern is a dotted path (`database.password`, `**.token`, `services.*.key`)
 * matched against a path as it is printed, its keys joined with dots: `*` is one dot-free part, `**` any number
 * of them. So `db.password` hides both `{ db: { password } }` and a single key named `db.password` (a YAML
 * `db.password: …` or a Consul key `app/db.password`), which print alike; `services.*.key` does not reach
 * into a service whose name holds a dot, which `services.**.key` does. Whatever lies below a secret path is
 * secret. Matching costs the path's length times the patterns' length: no pattern can make it backtrack.
 */
export function createRedactor(patterns: readonly string[] = []): Redactor {
  const compiled = patterns.map((pattern) => pattern.split('.'));
  const start: Progress = compiled.map((pattern) => close(pattern, [0]));
  const done = (progress: Progress) => progress.some((positions, i) => positions.includes(compiled[i]!.length));
  const advance = (progress: Progress, segment: string): Progress => {
    let next = progress;
    // A key holding dots is matched part by part, as it prints.
    for (const part of segment.includes('.') ? segment.split('.') : [segment]) {
      next = next.map((positions, i) => step(compiled[i]!, positions, part));
    }
    return next;
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
    isSecret: (segments) => compiled.length > 0 && done(along(segments)),
    redact: (value, segments) => (compiled.length === 0 || value === undefined ? value : redactFrom(value, along(segments))),
    empty: compiled.length === 0,
  };
}

/** The positions reached once `**` parts (which may match nothing) are skipped. */
function close(pattern: readonly string[], positions: readonly number[]): number[] {
  const out: number[] = [];
  for (let position of positions) {
    for (;;) {
      if (!out.includes(position)) out.push(position);
      if (pattern[position] !== '**') break;
      position++;
    }
  }
  return out;
}

/** The positions reached by matching one more part of a path. */
function step(pattern: readonly string[], positions: readonly number[], part: string): number[] {
  const next: number[] = [];
  for (const position of positions) {
    const expected = pattern[position];
    if (expected === undefined) next.push(position); // the whole pattern matched: what lies below is secret
    else if (expected === '**') next.push(position);
    else if (expected === '*' || expected === part) next.push(position + 1);
  }
  return close(pattern, next);
}
