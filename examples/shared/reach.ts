// The store examples' first contact with their store: without one running, a line saying so, not a stack trace.

/** Runs `start`; if it fails (no server there), prints one line naming the store, its address and the hint, and exits 1. */
export async function reach<T>(store: string, address: string, hint: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    console.error(`cannot reach ${store} at ${address} (${reason}): ${hint}`);
    process.exit(1);
  }
}
