// `${VAR}` in a JSON document: a text that cannot hold `${` in any of its strings is not searched string by string,
// and every way JSON can spell `${` (as it is, or with \u escapes) is still expanded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonEncoder } from '../../src/encoders/json.ts';
import { decodeText } from '../../src/loader/decode-text.ts';

const limits = { maxBytes: 1024 * 1024, maxDepth: 16 };
const env = { HOME: '/home/app' };

describe('variables in JSON', () => {
  it('are expanded however the text spells `${`', async () => {
    const text = '{"plain":"${HOME}","dollar":"\\u0024{HOME}","brace":"$\\u007bHOME}","both":"\\u0024\\u007BHOME}","none":"$HOME {x}"}';
    expect(await decodeText('json', text, limits, env)).toEqual({
      plain: '/home/app',
      dollar: '/home/app',
      brace: '/home/app',
      both: '/home/app',
      none: '$HOME {x}',
    });
  });

  it('are looked for only in a text that may hold them: never in one whose strings cannot read `${`', () => {
    // Strings of `$`, `{` and letters, each `$` and `{` written as it is or escaped, as any writer may.
    const value = fc.string({ unit: fc.constantFrom('$', '{', 'a', '}', '\\') });
    const escapes = fc.array(fc.boolean(), { minLength: 64, maxLength: 64 });
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('a', 'b', 'c'), value), escapes, (document, escape) => {
        let i = 0;
        const spell = (string: string) => JSON.stringify(string).replace(/[$]|[{]/g, (char) => (escape[i++ % escape.length] ? `\\u00${char.charCodeAt(0).toString(16)}` : char));
        const text = `{${Object.entries(document).map(([key, string]) => `${JSON.stringify(key)}:${spell(string)}`).join(',')}}`;
        const decoded = JSON.parse(text) as Record<string, string>;
        expect(decoded).toEqual(document);
        if (Object.values(decoded).some((string) => string.includes('${'))) expect(jsonEncoder.mayHoldVariables?.(text)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(jsonEncoder.mayHoldVariables?.('{"a":"$ {","b":"$"}')).toBe(false);
  });
});
