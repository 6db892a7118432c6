/**
 * True when a document holds nothing but whitespace (space, tab, line ends): a blank text is an empty layer, and a
 * file read blank is one being rewritten.
 */
export function isBlank(data: unknown): boolean {
  if (typeof data === 'string') return !/\S/.test(data);
  if (data instanceof Uint8Array) return data.every((byte) => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d));
  return false;
}
