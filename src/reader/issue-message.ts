/** What an issue says in place of a schema's message that quotes text of the value it refused. */
export const QUOTE_WITHHELD = "invalid value (the schema's message is withheld: it quotes the value)";

// The strings below an issue's path that are looked for in its message: enough for any refusal of one value, bounded
// for a refusal of a whole subtree.
const MOST_STRINGS = 64;
const MOST_NODES = 4096;

/**
 * The schema's own message for an issue, unless it quotes a string of the value it refused (the string at the
 * issue's path, or one of the first below it), as it is or as JSON escapes it: valibot's say `received "hunter3"`,
 * arktype's `(was "hunter3")`. microconf quotes no value in its errors, and a value not declared secret may still be
 * one, a password whose path its author did not list. Numbers and booleans are not looked for: a schema's message
 * holds numbers of its own (a length, a bound), and configuration keeps its secrets in strings.
 */
export function issueMessage(message: string, value: unknown): string {
  return quotesValue(message, value) ? QUOTE_WITHHELD : message;
}

function quotesValue(message: string, value: unknown): boolean {
  const pending: unknown[] = [value];
  let strings = 0;
  let nodes = 0;
  while (pending.length > 0 && strings < MOST_STRINGS && nodes < MOST_NODES) {
    const node = pending.pop();
    nodes++;
    if (typeof node === 'string') {
      strings++;
      if (node !== '' && (message.includes(node) || message.includes(JSON.stringify(node).slice(1, -1)))) return true;
    } else if (typeof node === 'object' && node !== null) {
      for (const child of Object.values(node)) {
        if (pending.length + nodes >= MOST_NODES) break;
        pending.push(child);
      }
    }
  }
  return false;
}
