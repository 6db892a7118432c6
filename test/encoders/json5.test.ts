import { describe, expect, it } from 'vitest';
import { createConfig, fileSource, memorySource } from '../../src/index.ts';
import { formatName, loadEncoder } from '../../src/encoders/index.ts';
import { decodeChangeSet } from '../../src/loader/decode.ts';
import { createChangeSet } from '../../src/sources/source.ts';
import { tempDir } from '../helpers/files.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

function decode(format: string, text: string): Promise<unknown> {
  return decodeChangeSet(createChangeSet('doc', format, text), { limits: { maxBytes: 1 << 20, maxDepth: 64 }, env: undefined });
}

describe('json5 encoder', () => {
  it('reads what people write by hand: comments, trailing commas, unquoted keys, single quotes, hex', async () => {
    const text = "// service\n{\n  name: 'popular', /* inline */\n  port: 0x1F90,\n  hosts: ['a', 'b',],\n  ratio: .5,\n}\n";
    expect(await decode('json5', text)).toEqual({ name: 'popular', port: 8080, hosts: ['a', 'b'], ratio: 0.5 });
    expect(await decode('jsonc', '{"a": 1 // why\n}')).toEqual({ a: 1 });
    expect(formatName('JSON5')).toBe('json5');
    expect(formatName('jsonc')).toBe('json5');
  });

  it.each([
    ['{\n  a: 1,\n  b: @\n}', 3, 6, 'invalid character'],
    ['{a: 1', 1, 6, 'unexpected end of input'],
    ['{a: 1}\n}', 2, 1, 'invalid character'],
  ])('an error gives line and column and never the document: %j', async (text, line, column, reason) => {
    const encoder = await loadEncoder('json5');
    let error: unknown;
    try {
      encoder.decode(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'DECODE', line, column, detail: `invalid json5: ${reason}` });
    expect(String(error)).not.toContain('@');
    expect((error as Error).cause).toBeUndefined();
  });

  it('refuses a number beyond a double, but keeps Infinity written on purpose', async () => {
    await expect(decode('json5', "{\n  // 1e999 in a comment\n  ok: Infinity, s: '1e999', key1e999: 1,\n  big: 1e999\n}")).rejects.toMatchObject({
      code: 'DECODE',
      line: 4,
      column: 8,
    });
    await expect(decode('json5', `{big: 0x${'f'.repeat(300)}}`)).rejects.toMatchObject({ code: 'DECODE' });
    expect(await decode('json5', "{ok: -Infinity, s: '1e999', /* 1e999 */ n: 1e308}")).toEqual({ ok: -Infinity, s: '1e999', n: 1e308 });
  });

  it('drops hostile keys and bounds depth like every format', async () => {
    expect(await decode('json5', "{__proto__: {polluted: 1}, constructor: {prototype: {x: 1}}, ok: 1}")).toEqual({ ok: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expect(decode('json5', '[1]')).rejects.toMatchObject({ code: 'NOT_OBJECT' });
    await expect(decode('json5', `{a:${'['.repeat(100)}${']'.repeat(100)}}`)).rejects.toMatchObject({ code: 'LIMIT' });
    // The parser keeps its own stack, so a very deep document is refused by the depth limit, not a stack overflow.
    await expect(decode('json5', `{a:${'['.repeat(100_000)}${']'.repeat(100_000)}}`)).rejects.toMatchObject({ code: 'LIMIT' });
  });

  it('is chosen by a file extension and by a memory source format', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'app.json5'), "{server: {port: 8080,},}");
    await writeFile(join(dir, 'app.jsonc'), '{"server": {"host": "h"} /* c */}');
    const config = await createConfig({
      sources: [fileSource(join(dir, 'app.json5')), fileSource(join(dir, 'app.jsonc')), memorySource("{debug: true}", { format: 'json5' })],
    });
    expect(config.get('server').scan()).toEqual({ port: 8080, host: 'h' });
    expect(config.get('debug').bool(false)).toBe(true);
    await config.close();
  });
});
