// How much memory the decoding thread may take for one document: sized from the document, so that decoding it
// grows the process by at most about ten times its size (or a fixed floor, for small documents), whatever its
// content. A parse that needs more runs out of the thread's heap: the document is refused and the thread replaced.

/** The engine's limits a decoding thread is started with (`Worker`'s `resourceLimits`), in MiB. */
export interface ThreadLimits {
  readonly maxOldGenerationSizeMb: number;
  readonly maxYoungGenerationSizeMb: number;
}

const MiB = 1024 * 1024;

/**
 * The heap every document may use, however small (MiB): the thread's own code and data take 5–7 MiB of it, and the
 * costliest 1 MiB documents within the default `maxValues` need up to 43 MiB in all (TOML of 93,000 keys; a JSON5
 * string: 36 MiB), a typical 1 MiB configuration 8–25 MiB, 4 MiB of YAML `!!binary` (5.5 MB of text) 55 MiB
 * (measured: the smallest heap at which the thread decodes each, RELIABILITY.md).
 */
const HEAP_FLOOR_MB = 64;

/**
 * Heap per byte of document above the floor. The rest of the ten bytes a byte of document may cost the process goes
 * to what is held outside the thread's heap: the bytes read, the copy handed to the thread, the thread itself (about
 * 10 MiB) and the layer built on the event loop.
 */
const HEAP_PER_BYTE = 5;

/**
 * The young generation, where new objects start (MiB): the engine's default grows it to tens of MiB, more than a
 * small document's whole allowance; a small one costs parsers little (collected more often, not held longer).
 */
const YOUNG_MB = 4;

/** The limits of the thread that decodes a document of `size` bytes. */
export function threadLimits(size: number): ThreadLimits {
  return { maxOldGenerationSizeMb: Math.max(HEAP_FLOOR_MB, Math.ceil((HEAP_PER_BYTE * size) / MiB)), maxYoungGenerationSizeMb: YOUNG_MB };
}

/**
 * Whether a thread started with `limits` is kept for the next document once its own is decoded: only at the floor.
 * A thread sized for a larger document is stopped after it, returning its heap and the garbage its decode left there.
 */
export function keepsThread(limits: ThreadLimits): boolean {
  return limits.maxOldGenerationSizeMb <= HEAP_FLOOR_MB;
}

/** Whether a thread started with `limits` is the one for a document that needs `wanted`: never larger, never smaller. */
export function sameLimits(limits: ThreadLimits, wanted: ThreadLimits): boolean {
  return limits.maxOldGenerationSizeMb === wanted.maxOldGenerationSizeMb && limits.maxYoungGenerationSizeMb === wanted.maxYoungGenerationSizeMb;
}
