import { resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import { fileSource } from '../sources/file.ts';
import { fileText, readRegularFileSync } from '../sources/read-file.ts';
import type { ChangeSet } from '../sources/source.ts';
import { toKey } from './bytes.ts';

/** The most a key file may hold: room for hundreds of keys and comments. */
export const KEY_FILE_MAX_BYTES = 64 * 1024;

/**
 * The keys a key file lists, newest first: one base64 key a line (what `microconf keygen` prints); blank lines and
 * lines starting with `#` are skipped. Errors name the file and line, never a key.
 */
export function parseKeyFile(text: string, source: string): Uint8Array[] {
  const keys: Uint8Array[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      keys.push(toKey(line, 'a key'));
    } catch (error) {
      throw new ConfigError((error as ConfigError).detail, { code: 'DECODE', source, position: { line: index + 1, column: 1 } });
    }
  }
  if (keys.length === 0) throw new ConfigError('the key file holds no key', { code: 'DECODE', source });
  return keys;
}

/** The name a key file goes by in errors. */
function keyFileName(path: string): string {
  return `key-file:${path}`;
}

/** Reads a key file now, a bounded regular file (a secretbox needs its keys before it can open anything). */
export function readKeyFile(path: string): Uint8Array[] {
  const name = keyFileName(path);
  let text: string;
  try {
    text = readRegularFileSync(resolve(path), KEY_FILE_MAX_BYTES);
  } catch (error) {
    if (error instanceof ConfigError) throw error.withSource(name);
    const code = (error as { code?: string }).code ?? 'unknown error';
    throw new ConfigError(code === 'ENOENT' ? 'file not found' : `cannot read the file (${code})`, { code: 'READ', source: name, path, cause: error });
  }
  return parseKeyFile(text, name);
}

/**
 * Follows a key file the way a config file is followed (rewrites, renames over it, a Kubernetes volume's `..data`
 * swap): each time it lists other keys than this iterator last saw (the `current` ones when it started), `apply`
 * gets them and the iterator yields. Each iterator judges by what it saw itself, so several configs sharing one
 * decrypter each hear of a rotation. A rewrite that does not parse (or a failed read) rejects one read and changes
 * nothing: the keys in force stay.
 */
export function followKeyFile(path: string, current: () => readonly Uint8Array[], apply: (keys: Uint8Array[]) => void, signal?: AbortSignal): AsyncIterable<void> {
  const name = keyFileName(path);
  const limits = { maxBytes: KEY_FILE_MAX_BYTES };
  return {
    [Symbol.asyncIterator]() {
      // The file source is only asked for the file's text and news of it; nothing decodes it as a document.
      const file = fileSource({ path, format: 'dotenv', name });
      const inner = file.watch!(signal)[Symbol.asyncIterator]();
      let seen = current();
      // A file is read more than once for one write: the same refused text is reported once.
      let refused: string | undefined;
      // Read once through the file source first: its watch then yields only what differs from that, and a key file
      // changed since the secretbox read it is taken now.
      let started = false;
      return {
        async next(): Promise<IteratorResult<void>> {
          for (;;) {
            let changeSet: ChangeSet;
            if (started) {
              const result = await inner.next();
              if (result.done) return { done: true, value: undefined };
              changeSet = result.value;
            } else {
              started = true;
              changeSet = await file.read(signal, limits);
            }
            let text: string;
            try {
              text = fileText(changeSet.data) ?? '';
            } catch (error) {
              // Bytes that are not text, named by the key file; the keys in force stay.
              throw error instanceof ConfigError ? error.withSource(name) : error;
            }
            if (text === refused) continue;
            let keys: Uint8Array[];
            try {
              keys = parseKeyFile(text, name);
            } catch (error) {
              refused = text;
              throw error;
            }
            refused = undefined;
            if (sameKeys(keys, seen)) continue;
            seen = keys;
            apply(keys);
            return { done: false, value: undefined };
          }
        },
        async return(): Promise<IteratorResult<void>> {
          await inner.return?.();
          await file.close?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

function sameKeys(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((key, index) => Buffer.compare(key, b[index]!) === 0);
}
