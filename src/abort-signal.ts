/**
 * The part of an abort signal that microconf's types speak of, for a consumer whose types declare none (no DOM
 * library and no `@types/node`): a signal handed in or out is the platform's own `AbortSignal` at run time.
 */
export interface AbortSignalShape {
  /** Whether the signal has been aborted. */
  readonly aborted: boolean;
  /** Why it was aborted. */
  readonly reason: unknown;
  /** Calls `listener` once the signal is aborted. */
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  /** Stops calling `listener`. */
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * The platform's `AbortSignal` wherever the consumer's types declare it (DOM or `@types/node`, as `@types/node`
 * resolves its own globals), else `AbortSignalShape`: the published declarations name no global they do not bring.
 */
export type AbortSignalLike = typeof globalThis extends { AbortSignal: { prototype: infer Signal } } ? Signal : AbortSignalShape;
