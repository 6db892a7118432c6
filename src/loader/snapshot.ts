import { textMemo } from '../reader/memo.ts';
import { splitDotted, toSegments, type PathArgs } from '../reader/path.ts';
import { createRedactor, type Redactor } from '../reader/secrets.ts';
import { getIn, type Tree, type TreeObject } from '../reader/tree.ts';
import { outputValueOf, valueOf, type Value } from '../reader/value.ts';

/** What a snapshot records about one source's layer. */
export interface SourceState {
  /** The source's name (`defaults` for the defaults layer). */
  readonly name: string;
  /** The format its data was decoded from. */
  readonly format: string;
  /** The checksum of its last good change set. */
  readonly checksum: string;
  /** When that change set was read (ms since the epoch). */
  readonly timestamp: number;
}

/** An immutable, versioned view of the merged configuration. */
export interface Snapshot {
  /** Strictly increasing, one per published snapshot, starting at 1. */
  readonly version: number;
  /** The merged tree, deeply frozen. */
  readonly values: TreeObject;
  /** The layers it was merged from, lowest first. */
  readonly sources: readonly SourceState[];
}

/** One decoded layer, as the loader merged it. */
export interface Layer {
  /** Its source's state. */
  readonly state: SourceState;
  /** Its decoded tree (null for an empty layer); frozen where a snapshot shares it. */
  readonly tree: Tree;
  /** Where its paths came from inside the source (an env var, a flag, a KV key), by path joined with NUL. */
  readonly origins?: ReadonlyMap<string, string> | undefined;
  /** Where it holds secrets: decrypted values, and values its source marked secret (secret files). */
  readonly secrets?: readonly (readonly string[])[] | undefined;
  /** True for a layer of many values (see `LARGE_LAYER_VALUES`): merges and diffs that hold it are run in slices. */
  readonly large?: boolean | undefined;
}

/** A snapshot together with what reads of it need: its layers (for explain) and a memo of looked-up paths. */
export interface SnapshotView {
  /** The published snapshot. */
  readonly snapshot: Snapshot;
  /** The layers behind it, lowest first. */
  readonly layers: readonly Layer[];
  /** The schema's output for this snapshot (validated and coerced), when the config has a schema. */
  readonly validated: unknown;
  /** What is secret in this snapshot: hidden from explain and every other printed form of its values. */
  readonly redactor: Redactor;
  /**
   * What the printed forms of the changes that made this snapshot hide: its secrets and the previous snapshot's (a
   * change's previous value may have been a secret where the current one is plain).
   */
  readonly changeRedactor: Redactor;
  /** The values of the dotted paths looked up so far, for a caller that tries it before `lookupDotted`. */
  readonly memo: ReadonlyMap<string, Value>;
  /** Looks a path up, memoizing dotted paths: a handler reads the same few paths on every request. */
  lookup(path: PathArgs): Value;
  /** `lookup` of one dotted path: the hot path of `config.get('a.b')`, with no argument array. */
  lookupDotted(path: string): Value;
}

// What one view's memo may hold: paths are chosen by callers (a handler reading `request.key`), so the memo is
// bounded by the size of its keys, not by their count.
const MEMO_BYTES = 4 * 1024 * 1024;
const NO_SECRETS = createRedactor();

/** What a view's printed forms hide: its own values' secrets, and its changes'. */
export interface ViewSecrets {
  /** This snapshot's secrets. */
  readonly redactor: Redactor;
  /** This snapshot's and the previous one's. */
  readonly changeRedactor: Redactor;
}

const NO_VIEW_SECRETS: ViewSecrets = { redactor: NO_SECRETS, changeRedactor: NO_SECRETS };

/**
 * Builds the read view of a snapshot; with a schema's output, values' `value()` reads it at their path. The
 * secrets say what its printed forms (explain, change events) hide.
 */
export function createView(snapshot: Snapshot, layers: readonly Layer[], validated?: unknown, secrets: ViewSecrets = NO_VIEW_SECRETS): SnapshotView {
  const memo = textMemo<Value>(MEMO_BYTES);
  const at = (segments: readonly string[]): Value => {
    const node = getIn(snapshot.values, segments);
    return validated === undefined ? valueOf(node, segments) : outputValueOf(node, getIn(validated as Tree, segments), segments);
  };
  const lookupDotted = (key: string): Value => memo.entries.get(key) ?? memo.remember(key, at(splitDotted(key)));
  return {
    snapshot,
    layers,
    validated,
    redactor: secrets.redactor,
    changeRedactor: secrets.changeRedactor,
    memo: memo.entries,
    lookupDotted,
    lookup(path) {
      if (path.length === 1 && typeof path[0] === 'string') return lookupDotted(path[0]);
      return at(toSegments(path));
    },
  };
}

/** A frozen snapshot. */
export function createSnapshot(version: number, values: TreeObject, layers: readonly Layer[]): Snapshot {
  return Object.freeze({ version, values, sources: Object.freeze(layers.map((layer) => layer.state)) });
}
