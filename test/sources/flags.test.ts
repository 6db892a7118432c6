import { describe, expect, it } from 'vitest';
import { createConfig, flagsSource, parseFlags } from '../../src/index.ts';

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
});
