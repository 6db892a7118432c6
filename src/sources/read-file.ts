import { closeSync, constants, fstatSync, openSync, read, readSync, statSync, type BigIntStats, type Stats } from 'node:fs';
import { promisify } from 'node:util';
import { documentText } from '../encoders/document-text.ts';
import { ConfigError } from '../errors.ts';

const readAsync = promisify(read);

// Up to this size a file is read synchronously: a tenth of a millisecond per 300 KB, against several round trips
// through libuv's thread pool for an asynchronous open, stat, read and close.
const SYNC_READ_LIMIT = 1024 * 1024;

/**
 * Reads a regular file as text (UTF-8, or UTF-16 after its byte order mark; anything else a ConfigError, DECODE: see
 * `documentText`), never more than `maxBytes` of it. It is opened without blocking and checked
 * before anything is read: a FIFO (which would block the open, or the read, forever), a device (`/dev/zero` never
 * ends), a socket or a directory is refused with a ConfigError (READ) naming what it is. A file larger than
 * `maxBytes` is refused (LIMIT) from its size, or, when it grows while it is read (or reports no size, as files
 * in `/proc` do), as soon as one byte past the limit has been read. Errors of the file system (ENOENT, EACCES)
 * are thrown as they are.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<string> {
  return documentText(await readRegularBytes(path, maxBytes));
}

/**
 * The text of what a file source read, decoded as `readRegularFile` decodes it (bytes that are not text a ConfigError,
 * DECODE): the file source hands a file over 1 MiB (one a user's encoder decodes, one that is not text) over as its
 * bytes. Undefined for data that is neither.
 */
export function fileText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  return data instanceof Uint8Array ? documentText(data) : undefined;
}

/** Reads a regular file as bytes, with the checks and limit of `readRegularFile`. */
export async function readRegularBytes(path: string, maxBytes: number): Promise<Buffer> {
  return withRegularFile(path, maxBytes, (bytes) => bytes);
}

/**
 * Reads a regular file as `readRegularBytes` does and hands `use` its bytes, its details as they were when it was
 * opened (taken on the open file: they describe the very file read, whatever was renamed over the path just
 * before) and the file still open (to read it again: see `matchesFile`); the file is closed once `use` is done.
 */
export async function withRegularFile<T>(path: string, maxBytes: number, use: (bytes: Buffer, stats: BigIntStats, fd: number) => T | Promise<T>): Promise<T> {
  const fd = openRegular(path);
  try {
    const stats = checkRegular(fd, path, maxBytes);
    const size = Number(stats.size);
    const bytes =
      size <= SYNC_READ_LIMIT
        ? readUpToSync(fd, size, maxBytes)
        : await readUpTo(async (buffer, offset, length) => (await readAsync(fd, buffer, offset, length, null)).bytesRead, size, maxBytes);
    if (bytes.byteLength > maxBytes) throw tooLarge(path, undefined, maxBytes);
    return await use(bytes, stats, fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * `readRegularFile` of a small file, done before the call returns: for what must be read before anything can use
 * it (a key file), with the same checks and the same errors.
 */
export function readRegularFileSync(path: string, maxBytes: number): string {
  const fd = openRegular(path);
  try {
    checkRegular(fd, path, maxBytes);
    const buffer = Buffer.allocUnsafe(maxBytes + 1);
    // One byte more than allowed is room enough to tell a file too large, however it grows meanwhile.
    let length = 0;
    for (;;) {
      const count = readSync(fd, buffer, length, buffer.byteLength - length, null);
      if (count === 0) return documentText(buffer.subarray(0, length));
      length += count;
      if (length > maxBytes) throw tooLarge(path, undefined, maxBytes);
    }
  } finally {
    closeSync(fd);
  }
}

/** What the path leads to when that is something other than a regular file (`a directory`); undefined otherwise. */
export function otherThanFile(path: string): string | undefined {
  try {
    // stat, not open: it never waits on a FIFO.
    const info = statSync(path);
    return info.isFile() ? undefined : kindOf(info);
  } catch {
    return undefined;
  }
}

/** Whether a file system error says the path leads nowhere (the file, or a directory on its way, is gone). */
export function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Opens a path for reading without blocking (O_NONBLOCK: opening a FIFO otherwise waits for a writer). */
function openRegular(path: string): number {
  try {
    // Reads of a regular file ignore O_NONBLOCK.
    return openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    // A socket cannot be opened as a file at all.
    if ((error as { code?: string }).code === 'ENXIO') throw new ConfigError('not a regular file (a socket)', { code: 'READ', path });
    throw error;
  }
}

/** The open file's details, once it is known to be a regular file no larger than `maxBytes`. */
function checkRegular(fd: number, path: string, maxBytes: number): BigIntStats {
  const info = fstatSync(fd, { bigint: true });
  if (!info.isFile()) throw new ConfigError(`not a regular file (${kindOf(info)})`, { code: 'READ', path });
  if (info.size > BigInt(maxBytes)) throw tooLarge(path, Number(info.size), maxBytes);
  return info;
}

/**
 * Reads with `read` (bytes into a buffer at an offset; 0 at the end) until the end, or until one byte past
 * `maxBytes` has been read: a file that grows while it is read, or that reports no size (as files in `/proc` do),
 * is never read further than that. `expected` is the size the file reported.
 */
export async function readUpTo(
  read: (buffer: Buffer, offset: number, length: number) => number | Promise<number>,
  expected: number,
  maxBytes: number,
): Promise<Buffer> {
  let buffer: Buffer = Buffer.allocUnsafe(Math.min(expected, maxBytes) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.byteLength) {
      if (length > maxBytes) break;
      buffer = grow(buffer, maxBytes);
    }
    const count = await read(buffer, length, buffer.byteLength - length);
    if (count === 0) break;
    length += count;
  }
  return buffer.subarray(0, length);
}

/**
 * `readUpTo` of an open file read synchronously, done before it returns: no turn of the event loop between two
 * reads of a small file.
 */
function readUpToSync(fd: number, expected: number, maxBytes: number): Buffer {
  let buffer: Buffer = Buffer.allocUnsafe(Math.min(expected, maxBytes) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.byteLength) {
      if (length > maxBytes) break;
      buffer = grow(buffer, maxBytes);
    }
    const room = buffer.byteLength - length;
    const count = readSync(fd, buffer, length, room, null);
    if (count === 0) break;
    length += count;
    if (endedAt(count, room, length, expected)) break;
  }
  return buffer.subarray(0, length);
}

/**
 * Whether a read that gave `count` bytes of the `room` it had, `length` bytes read in all, reached the end of a file
 * that reported `size` bytes: it stopped short exactly there. A regular file's read comes back short only at its
 * end, so the read that would give nothing is not made. A file that reports no size (as files in /proc do), or whose
 * reads come back short before its end (as some file systems' do), is read until a read gives nothing.
 */
function endedAt(count: number, room: number, length: number, size: number): boolean {
  return count < room && length === size && size > 0;
}

// The chunk a small file is read again into, to be compared: reused, as nothing between its read and its
// comparison lets another read in (the comparison of a small file is synchronous).
let compareChunk: Buffer | undefined;

/**
 * Whether the file at `path` holds exactly `bytes` now: read again in chunks and compared as it goes, so a large
 * file is never held twice. A file that is gone or not regular any more does not match; a failure to open it
 * otherwise is thrown. Given the file still `open` from the first read, that file is read again from its start
 * instead, whatever the path leads to now (for a caller that checks that afterwards): no open, stat and close.
 */
export async function matchesFile(path: string, bytes: Uint8Array, open?: number): Promise<boolean> {
  if (open !== undefined) return sameBytes(open, bytes);
  let fd: number;
  try {
    fd = openRegular(path);
  } catch (error) {
    // Gone is changed; any other failure (EACCES, EMFILE) is told as itself.
    if (isMissing(error)) return false;
    throw error;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size !== bytes.byteLength) return false;
    return await sameBytes(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

/** Whether an open file holds exactly `bytes`, read from its start (not from where the file's offset stands). */
async function sameBytes(fd: number, bytes: Uint8Array): Promise<boolean> {
  const sync = bytes.byteLength <= SYNC_READ_LIMIT;
  // Room for one byte past the end, when it fits: a file that grew shows in the same read.
  const size = Math.min(bytes.byteLength + 1, 64 * 1024);
  const chunk = sync ? (compareChunk ??= Buffer.allocUnsafe(64 * 1024)).subarray(0, size) : Buffer.allocUnsafe(size);
  const expected = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  for (;;) {
    // One byte past the expected end tells a file that grew.
    const length = Math.min(chunk.byteLength, expected.byteLength - offset + 1);
    const count = sync ? readSync(fd, chunk, 0, length, offset) : (await readAsync(fd, chunk, 0, length, offset)).bytesRead;
    if (count === 0) return offset === expected.byteLength;
    if (offset + count > expected.byteLength || chunk.compare(expected, offset, offset + count, 0, count) !== 0) return false;
    offset += count;
    if (endedAt(count, length, offset, expected.byteLength)) return true;
  }
}

/** A buffer twice as large (at least 64 KiB), never larger than `maxBytes + 1`, holding what was read so far. */
function grow(buffer: Buffer, maxBytes: number): Buffer {
  const larger = Buffer.allocUnsafe(Math.min(Math.max(buffer.byteLength * 2, 64 * 1024), maxBytes + 1));
  buffer.copy(larger);
  return larger;
}

function tooLarge(path: string, size: number | undefined, maxBytes: number): ConfigError {
  const what = size === undefined ? 'the file holds more than' : `file of ${size} bytes exceeds`;
  return new ConfigError(`${what} the limit of ${maxBytes} bytes (maxBytes)`, { code: 'LIMIT', path });
}

function kindOf(info: Stats | BigIntStats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}
