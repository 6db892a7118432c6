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
  /** How many more values (objects, arrays and leaves) it may hold; below zero, the layer holds too many. */
  values: number;
  /** The limit of values it started from (`maxValues`). */
  readonly maxValues: number;
}

/** The largest document or layer accepted when nobody chose otherwise (`createConfig`'s `maxBytes` default). */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The most values (objects, arrays and leaves) a layer holds when nobody chose otherwise (`maxValues`). Each costs
 * the event loop a few microseconds in every walk of a layer (merge, diff, freeze) and tens of bytes of heap, whatever
 * the text it took: a megabyte of `{},` is 350,000 objects.
 */
export const DEFAULT_MAX_VALUES = 100_000;

/** A budget of `limit` (`maxBytes`) and `maxValues` values. */
export function sizeBudget(limit: number, maxValues = DEFAULT_MAX_VALUES): SizeBudget {
  return { left: limit, limit, values: maxValues, maxValues };
}

/** Takes `amount` from a budget, for one value; a ConfigError (LIMIT) when that leaves it below zero. */
export function spend(budget: SizeBudget, amount: number): void {
  if ((budget.left -= amount) < 0 || --budget.values < 0) overspent(budget);
}

/** The error of a budget gone below zero. */
export function overspent(budget: SizeBudget): never {
  if (budget.values < 0) {
    throw new ConfigError(`the layer holds more than ${budget.maxValues} values (maxValues), counting its objects, arrays and leaves`, {
      code: 'LIMIT',
    });
  }
  throw new ConfigError(`the layer holds more than ${budget.limit} bytes (maxBytes), counting its keys and values as decoded and expanded`, {
    code: 'LIMIT',
  });
}
