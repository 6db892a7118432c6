// The store examples' first contact with their store: without one running, a line saying so, not a stack trace.

/** Runs `start`; if it fails (no server there), prints one line naming the store, its address and the hint, and exits 1. */
export async function reach<T>(store: string, address: string, hint: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    // The system's code (ECONNREFUSED) when the message holds one: a client's own wording can run to a paragraph.
    const message = error instanceof Error ? error.message : String(error);
    const reason = /\b(E[A-Z]{4,})\b/.exec(message)?.[1] ?? message.split('\n', 1)[0];
    console.error(`cannot reach ${store} at ${address} (${reason}): ${hint}`);
    process.exit(1);
  }
}
