import { describe, expect, it } from 'vitest';
import { ConfigError, createConfig, flagsSource, parseFlags } from '../../src/index.ts';

/** `argv` behind a proxy that counts the reads of its items once `counting` is set (flagsSource checks every item when made). */
function countedArgv(argv: string[]): { argv: string[]; reads(): number; start(): void } {
  let counting = false;
  let reads = 0;
  const proxy = new Proxy(argv, {
    get(target, key, receiver) {
      if (counting && typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { argv: proxy, reads: () => reads, start: () => (counting = true) };
}

async function refusal(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('parseFlags', () => {
  it.each([
    [['--database-address=x'], { database: { address: 'x' } }],
    [['--database-address', 'x'], { database: { address: 'x' } }],
    [['--database_address=x'], { database: { address: 'x' } }],
    [['--a.b=1'], { a: { b: '1' } }],
    [['--Registry=MDNS'], { registry: 'MDNS' }],
    [['--a--b=1', '--lead-=2'], { a: { b: '1' }, lead: '2' }],
    [['--verbose'], { verbose: true }],
    [['--verbose', '--port', '80'], { verbose: true, port: '80' }],
    [['--no-color'], { color: false }],
    [['--no-color=x'], { no: { color: 'x' } }],
    [['--tag', 'a', '--tag=b', '--tag', 'c'], { tag: ['a', 'b', 'c'] }],
    [['--offset', '-5'], { offset: '-5' }],
    [['--empty='], { empty: '' }],
    [['--a=1', '--', '--b=2'], { a: '1' }],
    [['serve', '-v', '-x=1', '---', '--=x', 'word'], {}],
    [['--db=x', '--db-host=y'], { db: { host: 'y' } }],
    [['--db-host=y', '--db=x'], { db: { host: 'y' } }],
    [['--url=a=b'], { url: 'a=b' }],
    // One dash, as Go's flag package and urfave/cli accept, for names of two characters or more.
    [['-db-host', 'localhost'], { db: { host: 'localhost' } }],
    [['-db-host=localhost', '-verbose'], { db: { host: 'localhost' }, verbose: true }],
    [['-port', '-5', '-no-color'], { port: '-5', color: false }],
    [['-ab=1', '-a=2', '-b', 'word'], { ab: '1' }],
    [['-5', '-1.5', 'x'], {}],
    // Lower-cased whole: a final sigma is one before a separator that ends the word (`-`), not before `.`.
    [['--ΑΣ.Β=1', '--ΑΣ-Γ=2'], { ασ: { β: '1' }, ας: { γ: '2' } }],
  ])('%j → %j', (argv, expected) => {
    expect(parseFlags(argv)).toEqual(expected);
  });

  it('treats hostile names as plain data that cannot reach a prototype', () => {
    const parsed = parseFlags(['--__proto__.polluted=yes', '--constructor.prototype.polluted=yes', '--a.__proto__.x=1', '--prototype=1']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // `_` nests too, so the underscores that spelled __proto__ become empty segments and are dropped.
    expect(parsed).toEqual({ proto: { polluted: 'yes' }, a: { proto: { x: '1' } } });
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });

  it('names a single-dash flag as it was written, for explain', async () => {
    const config = await createConfig({ sources: [flagsSource({ argv: ['-db-host', 'h', '--db-port=1'] })] });
    expect(config.explain('db.host').source).toBe('flags:-db-host');
    expect(config.explain('db.port').source).toBe('flags:--db-port');
    await config.close();
  });

  it('is read by flagsSource from the given argv', async () => {
    const config = await createConfig({
      defaults: { server: { port: 8080 } },
      sources: [flagsSource({ argv: ['--server-port', '9090', '--debug'] })],
    });
    expect(config.get('server.port').int(0)).toBe(9090);
    expect(config.get('debug').bool(false)).toBe(true);
    expect(config.explain('server.port').source).toBe('flags:--server-port');
    await config.close();
  });

  it('stops reading a million flags once they are more values than maxValues, naming the source', async () => {
    const counted = countedArgv(Array.from({ length: 1_000_000 }, (_, i) => `--k${i}=v`));
    const source = flagsSource({ argv: counted.argv });
    counted.start();
    const error = await refusal(createConfig({ sources: [source], maxValues: 1000 }));
    expect(error).toMatchObject({ code: 'LIMIT', source: 'flags' });
    expect(error.message).toContain('maxValues');
    // Before: every flag was parsed and the layer built (a million flags: 2 s of the event loop), then counted.
    expect(counted.reads()).toBeLessThanOrEqual(1001);
  });

  it('stops reading flags whose values are more bytes than maxBytes, naming the source and quoting nothing', async () => {
    const value = 'v'.repeat(1024 * 1024);
    const counted = countedArgv(Array.from({ length: 100 }, (_, i) => `--k${i}=${value}`));
    const source = flagsSource({ argv: counted.argv });
    counted.start();
    const error = await refusal(createConfig({ sources: [source], maxBytes: 4 * 1024 * 1024 }));
    expect(error).toMatchObject({ code: 'LIMIT', source: 'flags' });
    expect(error.message).toContain('maxBytes');
    expect(error.message).not.toContain('vvvv');
    expect(counted.reads()).toBeLessThanOrEqual(5);
  });

  it('refuses a flag nesting deeper than maxDepth at its place in argv, quoting nothing', async () => {
    const deep = `--${'a-'.repeat(200_000)}secret=1`;
    const error = await refusal(createConfig({ sources: [flagsSource({ argv: ['--ok=1', deep] })] }));
    expect(error).toMatchObject({ code: 'LIMIT', source: 'flags' });
    expect(error.message).toBe('flags: argv[1] nests 200001 levels, deeper than maxDepth (64)');
    expect(() => parseFlags(['--a-b-c=1'], undefined, { maxDepth: 2 })).toThrow(expect.objectContaining({ code: 'LIMIT' }));
  });

  it('refuses at the parse nothing the layer would hold within its limits', async () => {
    // 9 flags and the root: 10 values; a 64-level path; values of maxBytes less the keys and the root.
    const nine = Array.from({ length: 9 }, (_, i) => `--k${i}=v`);
    const config = await createConfig({ sources: [flagsSource({ argv: nine })], maxValues: 10 });
    expect(Object.keys(config.map())).toHaveLength(9);
    await config.close();
    await refusal(createConfig({ sources: [flagsSource({ argv: [...nine, '--k9=v'] })], maxValues: 10 }));
    const deepest = `--${'a-'.repeat(63)}b=1`;
    const deep = await createConfig({ sources: [flagsSource({ argv: [deepest] })] });
    expect(deep.get(['a', ...Array<string>(62).fill('a'), 'b']).string()).toBe('1');
    await deep.close();
    const large = await createConfig({ sources: [flagsSource({ argv: [`--k=${'v'.repeat(1000 - 6)}`] })], maxBytes: 1000 });
    expect(large.get('k').string()).toHaveLength(994);
    await large.close();
  });
});
