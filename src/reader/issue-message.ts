/** What an issue says in place of a schema's message that quotes text of the value it refused. */
export const QUOTE_WITHHELD = "invalid value (the schema's message is withheld: it quotes the value)";

// The strings below an issue's path that are looked for in its message: enough for any refusal of one value, bounded
// for a refusal of a whole subtree.
const MOST_STRINGS = 64;
const MOST_NODES = 4096;

/**
 * The schema's own message for an issue, unless it quotes a string of the value it refused (the string at the
 * issue's path, or one of the first below it, or a key below it), as it is or as JSON escapes it: valibot's say
 * `received "hunter3"`, arktype's `(was "hunter3")`. A key, or a string of fewer than 4 characters, counts only quoted; a long string's first 12 characters count too
 * (a message may quote it cut short). microconf quotes no value in its errors, and a value not declared secret may still be
 * one, a password whose path its author did not list. Numbers and booleans are not looked for: a schema's message
 * holds numbers of its own (a length, a bound), and configuration keeps its secrets in strings.
 */
export function issueMessage(message: string, value: unknown): string {
  return quotesValue(message, value) ? QUOTE_WITHHELD : message;
}

// A string this short is looked for only in quotes: unquoted, a value "e" or "80" is found in most messages ("must be at
// least length 5 (was 1)"), which were withheld for it though they quote nothing. Keys are looked for only in quotes
// too (a one-letter key is in most messages), as arktype quotes them: `(was {"tok-8f2a":1})`.
const QUOTED_ONLY_BELOW = 4;

function quotesValue(message: string, value: unknown): boolean {
  const pending: unknown[] = [value];
  let strings = 0;
  let nodes = 0;
  while (pending.length > 0 && strings < MOST_STRINGS && nodes < MOST_NODES) {
    const node = pending.pop();
    nodes++;
    if (typeof node === 'string') {
      strings++;
      if (quotes(message, node, node.length < QUOTED_ONLY_BELOW)) return true;
    } else if (typeof node === 'object' && node !== null) {
      const keyed = !Array.isArray(node);
      // for-in rather than Object.values: a node of many keys is not listed whole for the few looked at.
      for (const key in node) {
        if (keyed && strings < MOST_STRINGS) {
          strings++;
          if (quotes(message, key, true)) return true;
        }
        if (pending.length + nodes >= MOST_NODES) break;
        pending.push((node as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

/** True when `message` holds `text` (in quotes only, when `quotedOnly`), as it is or as JSON escapes it. */
function quotes(message: string, text: string, quotedOnly: boolean): boolean {
  if (text === '') return false;
  const escaped = JSON.stringify(text);
  if (quotedOnly) return message.includes(escaped) || message.includes(`"${text}"`) || message.includes(`'${text}'`);
  if (message.includes(text) || message.includes(escaped.slice(1, -1))) return true;
  // A message may quote a long value cut short (`received "hunter3hunter3hun…"`): its beginning is looked for too.
  return text.length > QUOTED_PREFIX && (message.includes(text.slice(0, QUOTED_PREFIX)) || message.includes(escaped.slice(1, QUOTED_PREFIX + 1)));
}

/** How much of the beginning of a long string is looked for, for a message that quotes it cut short. */
const QUOTED_PREFIX = 12;
