/** A memo of values by text key, bounded by what its keys hold rather than by how many there are. */
export interface TextMemo<V> {
  /** The remembered entries (read them directly on a hot path). */
  readonly entries: ReadonlyMap<string, V>;
  /** Remembers a value and returns it; a key too long to be worth remembering is not kept. */
  remember(key: string, value: V): V;
}

/** Bytes counted for an entry besides its key (the map's slot, the value's own small object). */
const ENTRY_OVERHEAD = 64;

/**
 * A memo holding at most about `maxBytes` (a key counts two bytes a character, as a string may). When full it
 * starts over: the same few paths are read again and again, and they come back at once. A key longer than
 * `longestKey` characters is never kept: whoever chooses the paths read (a request naming a key) cannot pin more
 * than the bound, however long or many the paths they send.
 */
export function textMemo<V>(maxBytes: number, longestKey = 1024): TextMemo<V> {
  const entries = new Map<string, V>();
  let held = 0;
  return {
    entries,
    remember(key, value) {
      if (key.length > longestKey) return value;
      const cost = 2 * key.length + ENTRY_OVERHEAD;
      if (held + cost > maxBytes) {
        entries.clear();
        held = 0;
      }
      held += cost;
      entries.set(key, value);
      return value;
    },
  };
}
