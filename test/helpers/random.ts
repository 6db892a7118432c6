// One seeded generator for everything that must replay: the fault schedules and the benchmark's data sets.

/** A small, fast, seeded generator of numbers in [0, 1) (mulberry32): the same seed always gives the same numbers. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
