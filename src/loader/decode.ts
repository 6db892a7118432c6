import { ConfigError } from '../errors.ts';
import { resolveFormat } from '../encoders/registry.ts';
import { decodeWithEncoder, type Encoders } from '../encoders/user.ts';
import { sizeBudget } from '../reader/budget.ts';
import { expandVariables, type Environment } from '../reader/expand.ts';
import { intern, internInSlices } from '../reader/intern.ts';
import { normalizeInSlices } from '../reader/normalize-slices.ts';
import { freezeInSlices, isObject, type Tree } from '../reader/tree.ts';
import { isHandedOver, type ChangeSet } from '../sources/source.ts';
import { decodeFailure, decodeText, documentBody, documentText, type DecodeLimits, type DecodeReport } from './decode-text.ts';
import { decodeEdits, mapJsonText } from './json-edits.ts';
import { closedError } from './closed.ts';
import { DECODE_TIMEOUT, decodeOffThread, decodesOffThread } from './off-thread.ts';
import { inSlices, LARGE_LAYER_VALUES } from './slices.ts';

export type { DecodeLimits } from './decode-text.ts';

/** How change sets are decoded into layers. */
export interface DecodeOptions {
  /** Size and depth limits. */
  limits: DecodeLimits;
  /** Where `${VAR}` is looked up, or undefined to leave strings as they are in every source. */
  env: Environment | undefined;
  /** The config's own formats (checked), looked up by a change set's format before the built-in ones. */
  encoders?: Encoders | undefined;
  /**
   * Whether bytes their source handed over (`handOver`) may be taken: moved to the decoding thread, leaving the
   * change set's data empty, rather than copied. Only once what is kept of the change set no longer holds them.
   */
  takesBytes?: boolean | undefined;
  /** Ends a decode on the thread when it aborts (the config closes): the thread is stopped, the decode fails. */
  signal?: AbortSignal | undefined;
  /**
   * Whether a JSON document decoded on the event loop is mapped to its layer, so that its next change is decoded from
   * what differs (see `json-edits.ts`): for a source that is watched.
   */
  mapsText?: boolean | undefined;
}

const toUtf8 = new TextEncoder();

/**
 * Whether `${VAR}` is expanded in a change set: as its source says, and by default in documents (text decoded by
 * an encoder) but not in data handed over decoded (the environment, flags, key-value stores), whose values are
 * literal.
 */
function expandsVariables(changeSet: ChangeSet): boolean {
  return changeSet.expand ?? changeSet.format !== 'object';
}

/** A decoded layer's tree, and whether it is large (see `LARGE_LAYER_VALUES`): its walks are then run in slices. */
export interface DecodedLayer {
  readonly tree: Tree;
  readonly large: boolean;
}

/**
 * Decodes a change set into a layer (an object, or null for an empty document); errors name the source. `previous`,
 * the source's current layer, lends its nodes to the layer wherever they are equal (see `intern`): to a document
 * decoded on the event loop in the walk that normalizes it, to any other once it is decoded.
 */
export async function decodeChangeSet(changeSet: ChangeSet, options: DecodeOptions, previous?: Tree): Promise<Tree> {
  return (await decodeLayer(changeSet, options, previous)).tree;
}

/**
 * `decodeChangeSet`, telling whether the layer is large. A large layer decoded otherwise than in the walk that
 * normalizes a document on the event loop (on a thread; handed over decoded) is interned and frozen here in slices,
 * the event loop turning between them; the decode fails (CLOSED) if the signal aborts meanwhile.
 */
export async function decodeLayer(changeSet: ChangeSet, options: DecodeOptions, previous?: Tree): Promise<DecodedLayer> {
  const { limits } = options;
  const env = expandsVariables(changeSet) ? options.env : undefined;
  // One budget for the layer: what expansion adds is counted with everything else, and a value is never built
  // longer than what is left.
  const budget = sizeBudget(limits.maxBytes, limits.maxValues);
  const transform = env ? (text: string) => expandVariables(text, env, budget.left) : undefined;
  try {
    let tree: Tree;
    // Whether the decode took the previous nodes in already; a tree from elsewhere is interned once it is here.
    let interned = false;
    // How many values the layer holds, when counted here (the thread counts those it decodes, and the event loop
    // does not): a document decoded on a thread is 256 KiB or more (JSON: 1 MiB), and is taken as large.
    let values: number | undefined;
    if (changeSet.format === 'object') {
      // Copied in slices: a layer of any size may be handed over decoded (100,000 keys: 160-470 ms in one step). One
      // that ends within the first slice is copied in the step that asked, with no turn added.
      const data = changeSet.data;
      const copying = inSlices((meter) => normalizeInSlices(data, { maxDepth: limits.maxDepth, transform, budget }, meter), () => options.signal?.aborted === true);
      const copied = copying instanceof Promise ? await copying : copying;
      if (copied === undefined) throw closedError();
      tree = copied;
      values = budget.maxValues - budget.values;
    } else {
      const data = changeSet.data as Uint8Array | string;
      const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      if (size > limits.maxBytes) {
        throw new ConfigError(`document of ${size} bytes exceeds the limit of ${limits.maxBytes}`, { code: 'LIMIT' });
      }
      // A user's encoder, the source's own or one the config registered, is given the bytes; a built-in one the text.
      const user = changeSet.encoder ? { format: changeSet.format, encoder: changeSet.encoder } : resolveFormat(changeSet.format, [options.encoders]);
      if (user?.encoder) {
        const bytes = typeof data === 'string' ? toUtf8.encode(data) : data;
        tree = decodeWithEncoder(user.format, user.encoder, bytes, { maxDepth: limits.maxDepth, maxBytes: limits.maxBytes, transform, budget, whole: true });
        values = budget.maxValues - budget.values;
      } else if (decodesOffThread(changeSet.format, size)) {
        // A large document would hold the event loop for seconds in some formats and shapes: it decodes on a thread.
        tree = await decodeOffThread(changeSet.format, data, limits, env, DECODE_TIMEOUT, options.takesBytes === true && isHandedOver(data), options.signal);
        // What comes next (the layer interned, merged, frozen, compared) is a step of the event loop of its own,
        // not one with the parse of the text or the last chunk of the tree.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else {
        const text = documentText(data);
        const json = options.mapsText === true && changeSet.format === 'json';
        const edited = json && previous !== undefined ? decodeEdits(previous, documentBody(text), limits, env) : undefined;
        if (edited !== undefined) {
          tree = edited.tree;
          values = edited.values;
        } else {
          // Frozen as it is walked: the merge then finds it frozen and does not list its keys again to freeze it.
          const report: DecodeReport = { values: 0 };
          const decoded = await decodeText(changeSet.format, text, limits, env, report, previous, true);
          tree = decoded;
          values = report.values;
          // Mapped once the layer is published, on the next turn: its first change is decoded from its edits. Not
          // after the config closed: nothing will change.
          if (json) {
            const left = report.left ?? 0;
            setImmediate(() => void (options.signal?.aborted !== true && mapJsonText(decoded, documentBody(text), { values: report.values, left }, limits, env)));
          }
        }
        interned = true;
      }
    }
    if (tree !== null && !isObject(tree)) {
      throw new ConfigError(`the document must be an object at the top level, not ${Array.isArray(tree) ? 'an array' : typeof tree}`, {
        code: 'NOT_OBJECT',
      });
    }
    // A layer decoded on the event loop was interned and frozen in the walk that normalized it; the merges and diffs
    // of a large one are still run in slices.
    const large = values === undefined || values >= LARGE_LAYER_VALUES;
    if (interned || !large) return { tree: interned || previous === undefined ? tree : intern(previous, tree), large };
    const decoded = tree;
    const settled = inSlices(
      function* (meter) {
        const kept = yield* internInSlices(previous, decoded, meter);
        yield* freezeInSlices(kept, meter);
        return kept;
      },
      () => options.signal?.aborted === true,
    );
    const done = settled instanceof Promise ? await settled : settled;
    if (done === undefined) throw closedError();
    return { tree: done, large };
  } catch (error) {
    throw decodeFailure(error, changeSet.format).withSource(changeSet.source);
  }
}
