import { ConfigError } from '../errors.ts';

/**
 * What a decoded layer may still hold. Its size is counted about as its JSON text would be: the length of every
 * key and string, 1 for every other value, 2 for every object and array. Counted while a layer is built, so a
 * document that expands (YAML aliases and merges, `${VAR}`) is refused before it is built, not after.
 */
export interface SizeBudget {
  /** What is left; below zero, the layer is over its limit. */
  left: number;
  /** The limit it started from. */
  readonly limit: number;
}

/** The largest document or layer accepted when nobody chose otherwise (`createConfig`'s `maxBytes` default). */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/** A budget of `limit` (`maxBytes`). */
export function sizeBudget(limit: number): SizeBudget {
  return { left: limit, limit };
}

/** Takes `amount` from a budget; a ConfigError (LIMIT) when that leaves it below zero. */
export function spend(budget: SizeBudget, amount: number): void {
  budget.left -= amount;
  if (budget.left < 0) overspent(budget);
}

/** The error of a budget gone below zero. */
export function overspent(budget: SizeBudget): never {
  throw new ConfigError(`the layer holds more than ${budget.limit} bytes (maxBytes), counting its keys and values as decoded and expanded`, {
    code: 'LIMIT',
  });
}
