import { ConfigError } from '../errors.ts';

/** Where `${VAR}` expansion looks variables up. */
export type Environment = Readonly<Record<string, string | undefined>>;

const DOLLAR = 36;
const OPEN = 123; // {
const CLOSE = 125; // }
const COLON = 58;
const DASH = 45;

/** True for the characters of a variable's name: `[A-Za-z0-9_]`. */
function isNameChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/**
 * Expands `${NAME}` and `${NAME:-fallback}` in one string value from `env`; `$${` is a literal `${`. Anything
 * else is left as written. It only substitutes text: nothing is ever executed.
 *
 * One pass from left to right, never a backtracking regular expression: every character is looked at a bounded
 * number of times (an unclosed `${A:-` costs one search for a `}`, remembered for the next one), so a value of
 * any content costs time in proportion to its length. The result may not grow past `maxLength` characters: a
 * ConfigError (LIMIT) is thrown before a larger string is built.
 */
export function expandVariables(text: string, env: Environment, maxLength = Number.POSITIVE_INFINITY): string {
  if (!text.includes('${')) return text;
  const parts: string[] = [];
  let length = 0;
  let copied = 0; // text before this index is in `parts`
  // The index of a `}` at or after the position last searched from, or -1 when there is none.
  let close = -2;
  const nextClose = (from: number): number => {
    if (close === -1 || close >= from) return close;
    close = text.indexOf('}', from);
    return close;
  };
  const emit = (piece: string) => {
    length += piece.length;
    if (length > maxLength) throw new ConfigError(`expanding \${…} would make a value longer than ${maxLength} characters`, { code: 'LIMIT' });
    parts.push(piece);
  };
  let i = text.indexOf('$');
  while (i >= 0 && i < text.length) {
    if (text.charCodeAt(i + 1) === DOLLAR && text.charCodeAt(i + 2) === OPEN) {
      emit(text.slice(copied, i));
      emit('${');
      copied = i + 3;
      i = text.indexOf('$', copied);
      continue;
    }
    if (text.charCodeAt(i + 1) !== OPEN) {
      i = text.indexOf('$', i + 1);
      continue;
    }
    let end = i + 2;
    while (end < text.length && isNameChar(text.charCodeAt(end))) end++;
    const name = text.slice(i + 2, end);
    let replacement: string | undefined;
    let after = -1;
    if (name !== '' && text.charCodeAt(end) === CLOSE) {
      const value = lookUp(env, name);
      replacement = value ?? '';
      after = end + 1;
    } else if (name !== '' && text.charCodeAt(end) === COLON && text.charCodeAt(end + 1) === DASH) {
      const closing = nextClose(end + 2);
      if (closing >= 0) {
        const value = lookUp(env, name);
        replacement = value === undefined || value === '' ? text.slice(end + 2, closing) : value;
        after = closing + 1;
      }
    }
    if (replacement === undefined) {
      // Not a placeholder: the name's characters hold no `$`, so the search resumes after them.
      i = text.indexOf('$', Math.max(i + 1, end));
      continue;
    }
    emit(text.slice(copied, i));
    emit(replacement);
    copied = after;
    i = text.indexOf('$', after);
  }
  if (copied === 0) return text;
  emit(text.slice(copied));
  return parts.join('');
}

/** A variable's value: only the environment's own string entries (never `constructor` or `__proto__`). */
function lookUp(env: Environment, name: string): string | undefined {
  if (!Object.hasOwn(env, name)) return undefined;
  const value = env[name];
  return typeof value === 'string' ? value : undefined;
}
