/**
 * Calls a listener, handing what it throws to `onError` — and what it rejects with, when it is an async function:
 * a listener's failure is reported, never an unhandled rejection that ends the process.
 */
export function callListener(call: () => unknown, onError: (error: unknown) => void): void {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    onError(error);
    return;
  }
  if (isThenable(result)) {
    result.then(undefined, (error: unknown) => {
      try {
        onError(error);
      } catch {
        // The error handler has nowhere left to report to.
      }
    });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
