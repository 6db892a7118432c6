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
 * Compiles secret path patterns: dotted paths where `*` matches one segment and `**` any number of them
 * (`database.password`, `**.token`, `services.*.key`).
 */
export function createRedactor(patterns: readonly string[] = []): Redactor {
  const compiled = patterns.map((pattern) => pattern.split('.'));
  const matchFrom = (pattern: readonly string[], p: number, segments: readonly string[], s: number): boolean => {
    if (p === pattern.length) return true; // below a secret path is secret too
    if (s === segments.length) return pattern.slice(p).every((part) => part === '**');
    const part = pattern[p]!;
    if (part === '**') return matchFrom(pattern, p + 1, segments, s) || matchFrom(pattern, p, segments, s + 1);
    return (part === '*' || part === segments[s]) && matchFrom(pattern, p + 1, segments, s + 1);
  };
  const isSecret = (segments: readonly string[]) => compiled.some((pattern) => matchFrom(pattern, 0, segments, 0));
  const redact = (value: Tree | undefined, segments: readonly string[]): Tree | undefined => {
    if (value === undefined) return undefined;
    if (isSecret(segments)) return REDACTED;
    if (Array.isArray(value)) return (value as readonly Tree[]).map((item, i) => redact(item, [...segments, String(i)]) ?? null);
    if (!isObject(value)) return value;
    const out: Record<string, Tree> = {};
    for (const key of Object.keys(value)) out[key] = redact(value[key], [...segments, key])!;
    return out;
  };
  return { isSecret, redact: (value, segments) => (compiled.length === 0 ? value : redact(value, segments)), empty: compiled.length === 0 };
}
