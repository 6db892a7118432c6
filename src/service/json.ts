// JSON read from the network: nesting bounded before parsing, and no `__proto__` key handed on.

/** How deeply a request or an answer may nest arrays and objects. */
export const MAX_DEPTH = 100;

/**
 * The deepest nesting of arrays and objects in a JSON text, counted in one pass without parsing (brackets inside
 * strings do not count); stops counting once past `limit`. V8 parses 500,000 nested brackets in seconds, so the
 * depth is checked before `JSON.parse` ever sees the text.
 */
export function depthOf(text: string, limit = MAX_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** Why a JSON text was refused. */
export type JsonRefusal = 'syntax' | 'depth';

/**
 * Parses JSON from a peer: refuses nesting deeper than `MAX_DEPTH` and drops `__proto__` keys (JSON.parse makes
 * them own properties, which `Object.assign` would turn into a prototype). The reviver, which slows parsing, runs only
 * when the text could hold such a key.
 */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; why: JsonRefusal } {
  if (depthOf(text) > MAX_DEPTH) return { ok: false, why: 'depth' };
  try {
    const suspicious = text.includes('__proto__') || text.includes('\\u');
    return { ok: true, value: suspicious ? JSON.parse(text, dropProto) : JSON.parse(text) };
  } catch {
    return { ok: false, why: 'syntax' };
  }
}

function dropProto(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}
