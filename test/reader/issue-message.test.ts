// A schema's message is withheld when it quotes the value it refused, and kept when it does not.
import { describe, expect, it } from 'vitest';
import { issueMessage, QUOTE_WITHHELD } from '../../src/reader/issue-message.ts';

describe('issueMessage', () => {
  it("withholds a message that quotes a key below the issue's path (arktype prints an object it refused as JSON)", async () => {
    const { type } = await import('arktype');
    const value = { 'tok-8f2a91': 1, 'tok-77c0e3': 2 };
    const refused = type({ k: "'a' | 'b'" })({ k: value });
    if (!(refused instanceof type.errors)) throw new Error('expected a refusal');
    expect(refused[0]!.message).toContain('tok-8f2a91');
    expect(issueMessage(refused[0]!.message, value)).toBe(QUOTE_WITHHELD);
    expect(issueMessage('k must be a string (was {"a\\"b":1})', { 'a"b': 1 })).toBe(QUOTE_WITHHELD);
  });

  it('keeps a message that does not quote a short value, though the value is in its words', async () => {
    const { type } = await import('arktype');
    for (const value of ['e', 'at', '501']) {
      const refused = type({ k: 'string > 500' })({ k: value });
      if (!(refused instanceof type.errors)) throw new Error('expected a refusal');
      expect(issueMessage(refused[0]!.message, value), value).toBe(refused[0]!.message);
    }
    // One-letter keys, an object refused whole: its keys are not quoted.
    expect(issueMessage('k must be a string (was an object)', { a: 1, s: 2 })).toBe('k must be a string (was an object)');
  });

  it('withholds a message that quotes a short value, in either quotes, or a long one as it is', () => {
    expect(issueMessage('Expected number but received "e"', 'e')).toBe(QUOTE_WITHHELD);
    expect(issueMessage("expected a number, got 'abc'", 'abc')).toBe(QUOTE_WITHHELD);
    expect(issueMessage('k must be "a" or "b" (was "a\\"b")', 'a"b')).toBe(QUOTE_WITHHELD);
    expect(issueMessage('expected a number, got hunter3', 'hunter3')).toBe(QUOTE_WITHHELD);
    expect(issueMessage('k must be "a" or "b" (was ["x","hunter3"])', ['x', 'hunter3'])).toBe(QUOTE_WITHHELD);
  });

  it('withholds a message that quotes a long value cut short', () => {
    const value = 'correct-horse-battery-staple';
    expect(issueMessage(`Expected number, received "${value.slice(0, 16)}…"`, value)).toBe(QUOTE_WITHHELD);
    // Cut short as JSON escapes it, its backslash doubled.
    const escaped = `a\\b-${value}`;
    expect(issueMessage(`Expected number, received ${JSON.stringify(escaped).slice(0, 18)}…`, escaped)).toBe(QUOTE_WITHHELD);
    expect(issueMessage('Expected number, received a string of 28 characters', value)).toBe('Expected number, received a string of 28 characters');
  });
});
