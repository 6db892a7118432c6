import { ConfigError } from './errors.ts';

/**
 * The longest delay a timer waits as asked, about 24.8 days. Node runs a timer set for longer after 1 ms (with a
 * TimeoutOverflowWarning): a timeout written in microseconds, or a "never" of 1e12, would fire at once.
 */
export const MAX_DELAY = 2 ** 31 - 1;

/** Where an option was given, for its error: the source it configures, if any. */
interface OptionPlace {
  readonly source?: string | undefined;
}

/**
 * A count or a size: a whole number of at least 1, or undefined when not given. NaN, a fraction, 0, a negative
 * number, Infinity or a string is an INVALID_OPTION error naming the option: each would turn a bound into no
 * bound, or into a refusal of every document with a message about the document.
 */
export function countOption(value: unknown, name: string, place: OptionPlace = {}): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value;
  throw new ConfigError(`${name} must be a whole number of at least 1`, { code: 'INVALID_OPTION', source: place.source });
}

/**
 * A delay in milliseconds, or undefined when not given: a finite number, positive (or 0 where `zero` allows it),
 * taken as at most MAX_DELAY. Anything else is an INVALID_OPTION error naming the option.
 */
export function delayOption(value: unknown, name: string, place: OptionPlace & { readonly zero?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && (value > 0 || (value === 0 && place.zero === true))) {
    return Math.min(value, MAX_DELAY);
  }
  const least = place.zero === true ? '0 or more' : 'more than 0';
  throw new ConfigError(`${name} must be a number of milliseconds, ${least}`, { code: 'INVALID_OPTION', source: place.source });
}

/** A network port: a whole number from 1 to 65535, or undefined when not given; otherwise INVALID_OPTION. */
export function portOption(value: unknown, name: string, place: OptionPlace = {}): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535) return value;
  throw new ConfigError(`${name} must be a port number from 1 to 65535`, { code: 'INVALID_OPTION', source: place.source });
}

/** A path option: a non-empty string without NUL (which no file system allows); otherwise INVALID_OPTION for `what`. */
export function checkPath(value: unknown, what: string): string {
  if (typeof value === 'string' && value !== '' && !value.includes('\0')) return value;
  throw new ConfigError(`${what} needs a path: a non-empty string without NUL characters`, { code: 'INVALID_OPTION' });
}
