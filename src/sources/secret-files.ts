import { constants } from 'node:fs';
import { open, readdir, readlink, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { documentBody, documentText } from '../encoders/document-text.ts';
import { ConfigError } from '../errors.ts';
import type { FlatEntry } from '../reader/keys.ts';
import { readUpTo } from './read-file.ts';

/** Bounds on what one reading of a secrets directory may hold. */
export interface SecretFileLimits {
  /** Bytes in one file (Kubernetes caps a whole Secret at 1 MiB). */
  readonly fileBytes: number;
  /** Bytes in all files together. */
  readonly totalBytes: number;
  /** Files and directories visited. */
  readonly entries: number;
  /** Directory levels below the top. */
  readonly depth: number;
}

/** The bounds a secrets directory source reads with. */
export const SECRET_FILE_LIMITS: SecretFileLimits = { fileBytes: 1024 * 1024, totalBytes: 16 * 1024 * 1024, entries: 10_000, depth: 16 };

/** One value found in a secrets directory. */
export interface SecretFile extends FlatEntry {
  /** The file's path below the directory, with `/` between levels. */
  readonly file: string;
}

/** What one reading found: the values, and the directories below the top that were read (to watch them). */
export interface SecretFilesReading {
  readonly files: readonly SecretFile[];
  readonly directories: readonly string[];
  /** The latest modification time of the files read (ms since the epoch; 0 when none): a write may be under way. */
  readonly newest: number;
}

/**
 * The path a file's name maps to: each directory level is one segment, and the name splits at dots (so a dotted
 * path reads it: `tls.crt`) and at the separator if one is given (`db__password` with `__`). Empty parts are dropped.
 */
export function secretFileSegments(directories: readonly string[], name: string, separator?: string): string[] {
  const parts = separator ? name.split(separator).flatMap((part) => part.split('.')) : name.split('.');
  return [...directories, ...parts].filter((segment) => segment !== '');
}

/**
 * The value a file's content gives: its text, UTF-8 (or UTF-16 after its byte order mark, as Windows PowerShell 5
 * writes a redirected file, read as documents are: see `documentText`), a leading byte order mark dropped (Notepad
 * writes one; it is no part of a password), then one trailing line ending dropped (Docker and Kubernetes secrets
 * written with `echo` end with one). Only one of each: a second line ending, or a mark after the first, is the value's.
 */
export function secretFileValue(content: Uint8Array, file: string, source: string): string {
  let text: string;
  try {
    text = documentText(content);
  } catch {
    throw new ConfigError(`${file} is not UTF-8 text`, { code: 'DECODE', source, path: file });
  }
  return withoutLineEnd(documentBody(text));
}

/** A secret's text without the one line ending its writer (`echo`, an editor) added at the end. */
export function withoutLineEnd(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/**
 * Reads a Docker (`/run/secrets`) or Kubernetes secret-volume directory: every regular file (a symlink to one is
 * followed, as a volume's entries are links into `..data`), in nested real directories too. Hidden entries
 * (`..data`, `..2024_…`, `.swp`) and anything that is not a regular file (a FIFO, a socket, a device) are skipped
 * without being opened; a symlink to a directory is not followed, so no link can make a loop.
 */
export async function readSecretFiles(root: string, source: string, separator?: string, limits = SECRET_FILE_LIMITS): Promise<SecretFilesReading> {
  const files: SecretFile[] = [];
  const directories: string[] = [];
  let entries = 0;
  let bytes = 0;
  let newest = 0;
  const limit = (what: string, file: string) => new ConfigError(what, { code: 'LIMIT', source, path: file });

  const walk = async (levels: readonly string[]): Promise<void> => {
    const found = await readdir(join(root, ...levels), { withFileTypes: true }).catch((error: unknown) => {
      throw readError(error, source, levels.join('/') || '.');
    });
    found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of found) {
      if (entry.name.startsWith('.')) continue;
      const file = [...levels, entry.name].join('/');
      if (++entries > limits.entries) throw limit(`more than ${limits.entries} entries`, file);
      if (entry.isDirectory()) {
        if (levels.length >= limits.depth) throw limit(`directories nested deeper than ${limits.depth} levels`, file);
        directories.push(file);
        await walk([...levels, entry.name]);
        continue;
      }
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      const read = await readRegularFile(join(root, file), limits.fileBytes, source, file);
      if (read === undefined) continue;
      const { content, modified } = read;
      newest = Math.max(newest, modified);
      bytes += content.length;
      if (bytes > limits.totalBytes) throw limit(`files larger than ${limits.totalBytes} bytes in all`, file);
      files.push({ file, segments: secretFileSegments(levels, entry.name, separator), value: secretFileValue(content, file, source) });
    }
  };

  await walk([]);
  return { files, directories, newest };
}

/**
 * A regular file's bytes, at most `maxBytes`, and when it was last modified; undefined when the path is not a regular
 * file or is gone. Checked before opening (so a device or FIFO is never opened) and again on the open handle (the
 * path may have changed).
 */
async function readRegularFile(path: string, maxBytes: number, source: string, file: string): Promise<{ content: Uint8Array; modified: number } | undefined> {
  try {
    const found = await stat(path).catch(skipGone);
    if (found === undefined || !found.isFile()) return undefined;
    // O_NONBLOCK: should a FIFO take the file's place meanwhile, opening it does not wait for a writer.
    const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)).catch(skipGone);
    if (handle === undefined) return undefined;
    try {
      const opened = await handle.stat();
      if (!opened.isFile()) return undefined;
      const content = await readBounded(handle, opened.size, maxBytes, () => tooLarge(maxBytes, source, file));
      // The change time after reading: a write that landed between the stat above and the read is in the content,
      // and must count as recent (the quiet rule holds such a reading back), not carry the time of the old content.
      return { content, modified: (await handle.stat()).mtimeMs };
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw error instanceof ConfigError ? error : readError(error, source, file);
  }
}

/** Reads an open file to its end, refusing it once it holds more than `maxBytes` (it may grow while being read). */
async function readBounded(handle: FileHandle, size: number, maxBytes: number, refuse: () => ConfigError): Promise<Uint8Array> {
  if (size > maxBytes) throw refuse();
  const bytes = await readUpTo(async (buffer, offset, length) => (await handle.read(buffer, offset, length, offset)).bytesRead, size, maxBytes);
  if (bytes.byteLength > maxBytes) throw refuse();
  return bytes;
}

function tooLarge(maxBytes: number, source: string, file: string): ConfigError {
  return new ConfigError(`${file} is larger than ${maxBytes} bytes`, { code: 'LIMIT', source, path: file });
}

/** Where a Kubernetes volume's `..data` link points now, to tell whether it was swapped during a reading. */
export function dataLinkTarget(root: string): Promise<string | undefined> {
  return readlink(join(root, '..data')).catch(() => undefined);
}

function skipGone(error: unknown): undefined {
  const code = (error as { code?: string }).code;
  // Gone since the listing, a dangling or looping link, a socket: nothing to read there.
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENXIO') return undefined;
  throw error;
}

/** A READ error naming the file (and the system's code), never its content. */
export function readError(error: unknown, source: string, file: string): ConfigError {
  const code = (error as { code?: string } | undefined)?.code ?? 'unknown error';
  return new ConfigError(`cannot read ${file} (${code})`, { code: 'READ', source, path: file, cause: error });
}
