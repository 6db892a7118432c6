// Values built to stop the event loop: each must cost time in proportion to its size, far under the bound (no
// input of up to 16 MiB blocks the loop for a second). The verdict is CPU time, measured on work large enough that
// a quadratic cost would take minutes: a loaded machine cannot turn one into the other.
import { describe, expect, it } from 'vitest';
import { ConfigError, createChangeSet, createConfig, memorySource } from '../../src/index.ts';
import { decodeChangeSet } from '../../src/loader/decode.ts';
import { valueOf } from '../../src/reader/value.ts';
import { parseDotenv } from '../../src/encoders/dotenv.ts';
import { kvTree, normalizePrefix } from '../../src/sources/kv.ts';
import { measure, ms, report } from './measure.ts';

const MiB = 1024 * 1024;
const options = (env: Record<string, string> | undefined = {}) => ({ limits: { maxBytes: 16 * MiB, maxDepth: 64 }, env });

describe('freezes', () => {
  it('expands ${VAR} in one pass, whatever a value holds', async () => {
    const shapes: [string, string][] = [
      ['unclosed ${A:-', '${A:-'],
      ['unclosed ${A', '${A'],
      ['escapes $${', '$${'],
      ['dollars and braces', '$$${{}'],
    ];
    // A document this large decodes on a thread: the thread starts (from the sources, compiling them) unmeasured.
    await decodeChangeSet(createChangeSet('doc', 'json', JSON.stringify({ a: 'x'.repeat(MiB) })), options({}));
    for (const [name, unit] of shapes) {
      const value = unit.repeat(Math.floor(MiB / unit.length));
      const document = JSON.stringify({ a: value });
      const cost = await measure(() => decodeChangeSet(createChangeSet('doc', 'json', document), options({ A: 'x' })));
      report(`\${VAR} expansion of 1 MiB of ${name}`, cost);
      expect(cost.error).toBeUndefined();
      expect(cost.cpuMs).toBeLessThan(1000);
    }
  });

  it('parses a .env document in one pass, whatever lines it holds', async () => {
    // dotenv's regular expression starts at each line with `\s*`, which runs over every blank line after it: 64 KiB
    // of newlines cost it 5 s, a MiB about 20 minutes, on the event loop (a `.env` file of envSource is parsed there).
    const size = 64 * 1024;
    const shapes: [string, string][] = [
      ['newlines', '\n'.repeat(size)],
      ['newlines, then a name with a colon and no space', `${'\n'.repeat(size)}A:x`],
      ['lines of a space', ' \n'.repeat(size / 2)],
      // dotenv's scanner took the quotes off each line of a value by a regular expression tried at every line: 29 s
      // for these 256 KiB.
      ['a value of line separators and quotes', `A=${"\u2028'x".repeat((4 * size) / 3)}`],
    ];
    for (const [name, text] of shapes) {
      const cost = await measure(() => parseDotenv(text));
      report(`.env of ${text.length >> 10} KiB of ${name}`, cost);
      expect(cost.error).toBeUndefined();
      expect(cost.cpuMs).toBeLessThan(1000);
    }
  });

  it("scans a TOML document for out-of-range numbers in one pass", async () => {
    // An `inf` makes the scan run; every `1e999` in the string was once matched, then checked against its line.
    const document = `a = inf\nb = "${'1e999 '.repeat(200_000)}"\nc = [${'1e308, '.repeat(20_000)}1]\n`;
    const cost = await measure(() => decodeChangeSet(createChangeSet('doc', 'toml', document), options()));
    report(`TOML of ${(document.length / MiB).toFixed(1)} MiB with an inf and 220,000 number-like literals`, cost);
    expect(cost.error).toBeUndefined();
    expect(cost.cpuMs).toBeLessThan(1000);
  });

  it('converts a value by looking only at what can matter', async () => {
    const huge = [
      ['16 MiB of digits', '9'.repeat(16 * MiB)],
      ['16 MiB of zeros then 7', `${'0'.repeat(16 * MiB)}7`],
      ['16 MiB of hexadecimal', `0x${'f'.repeat(16 * MiB)}p0`],
      ['16 MiB of "1s"', '1s'.repeat(8 * MiB)],
      ['16 MiB of "t"', 't'.repeat(16 * MiB)],
    ] as const;
    const calls = 100;
    for (const [name, text] of huge) {
      const value = valueOf(text);
      const cost = await measure(() => {
        for (let i = 0; i < calls; i++) {
          value.int(1);
          value.float(1);
          value.duration(1);
          value.bool(true);
        }
      });
      report(`int, float, duration and bool of ${name}`, cost, `${((cost.cpuMs * 1000) / calls / 4).toFixed(1)} µs a conversion`);
      expect(value.int(1)).toBe(1);
      expect(value.float(1)).toBe(1);
      expect(value.duration(1)).toBe(1);
      expect(cost.cpuMs / calls / 4).toBeLessThan(1);
    }
  });

  it('checks the keys of a YAML mapping against a set, not against each other', { timeout: 120_000 }, async () => {
    const keys = 40_000;
    const document = Array.from({ length: keys }, (_, i) => `key${i}: ${i}`).join('\n');
    const cost = await measure(() => decodeChangeSet(createChangeSet('doc', 'yaml', document), options()));
    report(`YAML of ${keys.toLocaleString('en-US')} keys (${(document.length / MiB).toFixed(1)} MiB)`, cost);
    expect(cost.error).toBeUndefined();
    // Checked pairwise, as the parser does, these keys cost about twenty seconds.
    expect(cost.cpuMs).toBeLessThan(8_000);
    const duplicated = await measure(() => decodeChangeSet(createChangeSet('doc', 'yaml', `${document}\nkey0: again`), options()));
    expect(duplicated.error).toBeInstanceOf(ConfigError);
    expect((duplicated.error as ConfigError).line).toBe(keys + 1);
  });

  it('resolves YAML aliases by name, not by searching every anchor before each', { timeout: 120_000 }, async () => {
    const count = 20_000;
    const document = `anchors:\n${Array.from({ length: count }, (_, i) => `  - &a${i} v${i}`).join('\n')}\naliases:\n${Array.from({ length: count }, (_, i) => `  - *a${i}`).join('\n')}\n`;
    const cost = await measure(() => decodeChangeSet(createChangeSet('doc', 'yaml', document), options()));
    report(`YAML of ${count.toLocaleString('en-US')} anchors and as many aliases`, cost);
    expect(cost.error).toBeUndefined();
    expect((cost.value as { aliases: string[] }).aliases[count - 1]).toBe(`v${count - 1}`);
    // Searched for, as the yaml package does, these aliases cost about a minute.
    expect(cost.cpuMs).toBeLessThan(5_000);
  });

  it('refuses YAML nested past maxDepth where the parser reaches it', async () => {
    // The parser stops one level past maxDepth, before it recurses on (the yaml package's memory grew faster than the
    // nesting: 40,000 `[` once aborted the process, out of memory).
    for (const [name, document] of [
      ['1 MiB of [', `a: ${'['.repeat(MiB)}`],
      ['1 MiB of {a: ', `a: ${'{a: '.repeat(MiB / 4)}`],
    ]) {
      const cost = await measure(() => decodeChangeSet(createChangeSet('doc', 'yaml', document!), options()));
      report(`YAML of ${name}`, cost);
      expect((cost.error as ConfigError).code).toBe('LIMIT');
      expect((cost.error as ConfigError).message).toMatch(/nesting deeper than 64 levels at line 1/);
      expect(cost.cpuMs).toBeLessThan(1000);
    }
  });

  it('trims the slashes of store keys and prefixes without backtracking', async () => {
    // Slashes between two names: a trailing-slash pattern tries each of them, to the end, in turn.
    const slashes = `a${'/'.repeat(200_000)}x`;
    const cost = await measure(async () => {
      expect(normalizePrefix(`/${slashes}/`)).toBe(slashes);
      return kvTree([{ key: `${slashes}/key`, value: '1' }], slashes);
    });
    report('a store prefix and key of 200,000 slashes', cost);
    expect(cost.cpuMs).toBeLessThan(1000);
  });

  it('matches secret patterns against paths in time in proportion to the pattern', async () => {
    // Patterns of 2,000 parts: `**` alone (one part, compiled), and `**` between names, which keeps up to a
    // thousand positions alive at once. A thousand parts took 67 s of CPU for 150 keys before.
    const repeated = Array.from({ length: 2000 }, () => '**').join('.');
    const alternating = Array.from({ length: 1000 }, (_, i) => `**.k${i % 10}`).join('.');
    const data = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i % 10}`.repeat(1 + (i % 3)) + i, { a: { b: i } }]));
    const cost = await measure(async () => {
      const config = await createConfig({ sources: [memorySource(data)], secret: [`${repeated}.b`, `${alternating}.secret`] });
      try {
        const shown = config.explain('');
        expect(JSON.stringify(shown)).not.toMatch(/"b":\d/);
        return shown;
      } finally {
        await config.close();
      }
    });
    report('secret patterns of 2,000 parts over 3,000 keys', cost);
    expect(cost.cpuMs).toBeLessThan(5000);
  });

  it('decodes a megabyte of any shape in any format with a tree or a ConfigError; the parsers set the pace', { timeout: 240_000 }, async () => {
    const size = MiB;
    const keys = (line: (i: number) => string) => {
      const lines: string[] = [];
      let length = 0;
      for (let i = 0; length < size; i++) {
        lines.push(line(i));
        length += lines.at(-1)!.length + 1;
      }
      return lines.join('\n');
    };
    const shapes: Record<string, Record<string, () => string>> = {
      json: {
        'keys': () => `{${keys((i) => `"key${i}":${i},`).slice(0, -1)}}`,
        'brackets': () => '['.repeat(size),
        'one string': () => `{"a":"${'x'.repeat(size)}"}`,
        'empty objects': () => `{"a":[${'{},'.repeat(size / 3)}{}]}`,
      },
      yaml: {
        'keys': () => keys((i) => `key${i}: ${i}`),
        'brackets': () => `a: ${'['.repeat(size)}`,
        'one string': () => `a: ${'x'.repeat(size)}`,
        'aliases': () => `a: &a x\nb: [${'*a, '.repeat(size / 4)}*a]`,
      },
      toml: {
        'keys': () => keys((i) => `key${i} = ${i}`),
        'brackets': () => `a = ${'['.repeat(size)}`,
        'one string': () => `a = "${'x'.repeat(size)}"`,
        'tables': () => keys((i) => `[t${i}]`),
      },
      dotenv: {
        'keys': () => keys((i) => `KEY_${i}=${i}`),
        'one string': () => `A=${'x'.repeat(size)}`,
        'quotes': () => keys(() => `A='`),
      },
    };
    for (const [format, cases] of Object.entries(shapes)) {
      for (const [shape, make] of Object.entries(cases)) {
        const text = make();
        const cost = await measure(() => decodeChangeSet(createChangeSet('doc', format, text), options()));
        report(`${(text.length / MiB).toFixed(1)} MiB of ${format}, ${shape}`, cost, cost.error ? `refused: ${(cost.error as ConfigError).code}` : 'decoded');
        if (cost.error !== undefined) expect(cost.error).toBeInstanceOf(ConfigError);
        else expect(typeof cost.value).toBe('object');
      }
    }
  });

  it('reads a path of a megabyte, and sets one 20,000 segments deep, in time that follows its length', async () => {
    const source = memorySource({ a: 1 });
    const config = await createConfig({ sources: [source] });
    const path = 'a.'.repeat(512 * 1024);
    const read = await measure(() => config.get(path).string('fallback'));
    report('get() of a 1 MiB dotted path', read);
    expect(read.value).toBe('fallback');
    expect(read.cpuMs).toBeLessThan(1000);
    const deep = memorySource({});
    await deep.read(undefined, { maxDepth: 30_000 });
    const segments = Array.from({ length: 20_000 }, (_, i) => `k${i}`);
    const set = await measure(() => deep.set(segments, 1));
    report('memorySource.set() of a path 20,000 segments deep', set, `${ms(set.cpuMs)}; each level copied once`);
    expect(set.error).toBeUndefined();
    expect(set.cpuMs).toBeLessThan(1000);
    await config.close();
  });
});
