/**
 * A client failure in a few words for a message: the system error code (`ECONNREFUSED`) if it has one or names one,
 * else the first line of its message, without the empty "Resolution note: " gRPC appends to a refused connection's.
 * The store sources, the service registries and the command all say why a store could not be reached this way.
 */
export function failureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  const errno = typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : /\b(E[A-Z]{4,})\b/.exec(message)?.[1];
  if (errno) return errno;
  const line = message.split('\n', 1)[0]!;
  const note = ' Resolution note: ';
  return (line.endsWith(note) ? line.slice(0, -note.length) : line).slice(0, 200);
}
