import { fileURLToPath } from 'node:url';
import { ConfigError } from './errors.ts';
import type { UrlLike } from './url-like.ts';

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

/**
 * A list of strings (file paths, hosts), or undefined when not given: an array whose every item is a string, copied
 * index by index (never spread: an array's length is not what it holds, and 2 ** 32 - 1 holes ended the process),
 * or one string where `single` allows it. Otherwise INVALID_OPTION naming the option or the item: a string spread
 * was a list of its characters (`files: '.env'` read the directory `.`).
 */
export function stringList(value: unknown, name: string, place: OptionPlace & { readonly single?: boolean } = {}): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && place.single === true) return [value];
  const kind = place.single === true ? 'a string or an array of strings' : 'an array of strings';
  if (!Array.isArray(value)) throw new ConfigError(`${name} must be ${kind}`, { code: 'INVALID_OPTION', source: place.source });
  const list: string[] = [];
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index];
    if (typeof item !== 'string') throw new ConfigError(`${name}[${index}] is not a string`, { code: 'INVALID_OPTION', source: place.source });
    list.push(item);
  }
  return list;
}

/**
 * True for a URL: the platform's, or one of another realm or library (jsdom's in a test environment, which is no
 * `instanceof URL`), known by the shape the published types take (`UrlShape`: href, protocol and pathname).
 */
export function isUrl(value: unknown): value is UrlLike {
  if (value instanceof URL) return true;
  if (typeof value !== 'object' || value === null) return false;
  const url = value as { readonly href?: unknown; readonly protocol?: unknown; readonly pathname?: unknown };
  return typeof url.href === 'string' && typeof url.protocol === 'string' && typeof url.pathname === 'string';
}

/** A path option: a non-empty string without NUL (which no file system allows); otherwise INVALID_OPTION for `what`. */
export function checkPath(value: unknown, what: string): string {
  const path = isUrl(value) ? pathOfFileUrl(value instanceof URL ? value : platformUrl((value as { readonly href: string }).href)) : value;
  if (typeof path === 'string' && path !== '' && !path.includes('\0')) return path;
  throw new ConfigError(`${what} needs a path: a non-empty string without NUL characters, or a file: URL`, { code: 'INVALID_OPTION' });
}

/** A URL of another kind read again from its text, as the platform's: its parts are then the platform's reading. */
function platformUrl(href: string): URL | undefined {
  try {
    return new URL(href);
  } catch {
    return undefined;
  }
}

/** A `file:` URL's path (`new URL('./config.json', import.meta.url)` in a module); nothing for another scheme or a host. */
function pathOfFileUrl(url: URL | undefined): string | undefined {
  if (url?.protocol !== 'file:') return undefined;
  try {
    return fileURLToPath(url);
  } catch {
    // A host (file://server/share off Windows) or an encoded separator: not a path here.
    return undefined;
  }
}

/** A list naming every option of `T` and no other; otherwise `missing` names what it lacks, a compile error. */
type EveryOption<T, K extends readonly unknown[]> = [Exclude<keyof T & string, K[number]>] extends [never]
  ? unknown
  : { readonly missing: Exclude<keyof T & string, K[number]> };

/**
 * The names of `T`'s options, for `checkOptionNames`; the compiler checks the list is whole, so an option added to
 * the type and not here fails the build rather than every call that uses it.
 */
export function optionNames<T>(): <const K extends readonly (keyof T & string)[]>(...names: K & EveryOption<T, K>) => ReadonlySet<string> {
  return (...names) => new Set<string>(names);
}

/** The longest option name compared for a suggestion: past it, a name is no typo of ours. */
const SUGGEST_LIMIT = 64;

/**
 * Refuses an options object with a name `known` lacks (INVALID_OPTION, naming it and the nearest known name): from
 * JavaScript, a misspelt option was ignored, and `envSource({ prefx: 'APP' })` read the whole environment. Returns
 * a copy holding every known name as an own property: an option not given would otherwise be read from
 * Object.prototype, which another library of the process may have polluted.
 */
export function checkOptionNames<T>(options: T, known: ReadonlySet<string>, what: string): T {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError(`${what} takes an object of options`, { code: 'INVALID_OPTION' });
  }
  for (const name of Object.keys(options)) {
    if (known.has(name)) continue;
    const shown = JSON.stringify(name.length > SUGGEST_LIMIT ? `${name.slice(0, SUGGEST_LIMIT)}…` : name);
    const near = nearestName(name, known);
    throw new ConfigError(`${what} has no option ${shown}${near === undefined ? '' : `; did you mean "${near}"?`}`, { code: 'INVALID_OPTION' });
  }
  // Every known name an own property (undefined when not given), so that a copy made by spreading it is as safe.
  const own: Record<string, unknown> = {};
  for (const name of known) own[name] = Object.hasOwn(options, name) ? (options as Record<string, unknown>)[name] : undefined;
  return own as T;
}

/**
 * The options given, their own properties only, in an object without a prototype: an option not given would
 * otherwise be read from Object.prototype, which another library of the process may have polluted.
 */
export function ownOptions<T extends object>(options: T): T {
  return Object.assign(Object.create(null) as T, options);
}

/** The known name within two edits of `name` (or equal but for case and `_`/`-`), if there is one. */
function nearestName(name: string, known: ReadonlySet<string>): string | undefined {
  if (name.length > SUGGEST_LIMIT) return undefined;
  const plain = (text: string) => text.toLowerCase().replace(/[_-]/g, '');
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = plain(candidate) === plain(name) ? 0 : editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Levenshtein distance of two short strings (both at most SUGGEST_LIMIT long). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
